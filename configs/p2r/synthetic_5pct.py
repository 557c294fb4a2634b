# The README's main job: semi-supervised P2R on the synthetic crowd
# benchmark with 5 % of the images labelled, on a CPU. The data is
# generated under data/synthetic_crowd/ on first use.
_base_ = [
    '../_base_/models/p2r_semi_vgg16bn.py', '../_base_/models/narrow_cpu.py',
    '../_base_/datasets/synthetic_semi.py',
    '../_base_/schedules/synthetic_cpu.py', '../_base_/default_runtime.py'
]

# The teacher's BN statistics follow the student's by EMA (teacher_bn
# 'ema' with skip_buffer=False): batch statistics of 4 weak views are too
# noisy to pseudo-label with. The unlabelled crops' hidden annotations
# measure the pseudo-labels (logged only, never a loss).
model = dict(counter={{_base_.narrow_counter}},
             semi_train_cfg=dict(teacher_bn='ema',
                                 pseudo_quality=dict(match_distance=8.0)))
train_dataloader = dict(dataset=dict(labeled_ratio=0.05))
# The paper's schedule shape on 12 epochs of 50 iterations: burn-in for
# epochs 0-1 (17 % of the steps; the narrow network starts from scratch,
# not from ImageNet weights), the branch on at w = 0 in epoch 2, w = 1 in
# epoch 3, then w = 2 for epochs 4-11 (67 %) (official: 3 % / 13 % / 83 %;
# see docs/results_synthetic.md); a faster teacher (EMA 0.99 instead of
# 0.998) so that it keeps up within minutes.
custom_hooks = [
    dict(type='mmdet.MeanTeacherHook', momentum=0.01, skip_buffer=False),
    dict(type='UnsupWeightHook', burn_in_epochs=2, step=1.0, max_weight=2.0),
]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=2, max_keep_ckpts=1))
