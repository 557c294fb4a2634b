# The README's main job: semi-supervised P2R on the synthetic crowd
# benchmark with 5 % of the images labelled, on a CPU. The data is
# generated under data/synthetic_crowd/ on first use.
_base_ = [
    '../_base_/models/narrow_cpu_semi.py',
    '../_base_/datasets/synthetic_semi.py',
    '../_base_/schedules/synthetic_cpu.py', '../_base_/default_runtime.py'
]

# The teacher's BN statistics follow the student's by EMA (teacher_bn
# 'ema' with skip_buffer=False): batch statistics of 4 weak views are too
# noisy to pseudo-label with. The teacher starts as a copy of the student
# (it is restarted from the student after the burn-in anyway, below). The
# unlabelled crops' hidden annotations measure the pseudo-labels (logged
# only, never a loss).
model = dict(semi_train_cfg=dict(teacher_bn='ema', teacher_init='copy',
                                 pseudo_quality=dict(match_distance=8.0)))
train_dataloader = dict(dataset=dict(labeled_ratio=0.05))
# The paper's schedule shape on 16 epochs of 50 iterations: burn-in for
# epochs 0-3 (25 % of the steps: the narrow network starts from scratch,
# not from ImageNet weights, and after 2 epochs it still predicts almost
# no heads on validation), the branch on at w = 0 in epoch 4 with the
# teacher restarted from the student (an EMA over a from-scratch burn-in
# still carries the random initialisation: without the restart the
# teacher found no pseudo-points at all for epochs on end), w = 1 in
# epoch 5, then w = 2 for epochs 6-15 (62.5 %) (official: 3 % / 13 % /
# 83 %; see docs/results_synthetic.md); a faster teacher (EMA 0.99
# instead of 0.998) so that it keeps up within minutes.
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.01, skip_buffer=False),
    dict(type='UnsupWeightHook', burn_in_epochs=4, step=1.0, max_weight=2.0,
         restart_teacher=True),
]
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=2, max_keep_ckpts=1))
