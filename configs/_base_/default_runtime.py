# Runtime shared by every p2r_mm config: scope, hooks, environment, logging.
default_scope = 'p2r_mm'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # The last checkpoints (for --resume) and the best one by the P2R
    # paper's rule: lowest 4 * MAE + RMSE (CountingMetric's mae4_rmse).
    # Written so that a kill at any moment leaves a complete checkpoint.
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=5, max_keep_ckpts=3,
        save_best='mae4_rmse', rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='CrowdVisualizationHook'),
    # A NaN / inf loss is not stepped on; 3 in a row stop the run, and no
    # checkpoint is written from non-finite weights.
    non_finite_guard=dict(type='NonFiniteGuardHook', max_consecutive=3),
    # Training samples whose image fails to load are replaced by others;
    # more than 5 % of an epoch (from more than one file) stop the run.
    bad_samples=dict(type='BadSampleLimitHook', max_fraction=0.05))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

visualizer = dict(
    type='CrowdVisualizer', vis_backends=[dict(type='LocalVisBackend')])
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
