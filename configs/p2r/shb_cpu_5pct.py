# Semi-supervised P2R on the ShanghaiTech B CPU benchmark: the 20 labelled
# images of shb-5.txt and every other training image that is not held out
# as unlabelled (python tools/train.py configs/p2r/shb_cpu_5pct.py; the
# benchmark's 1 % variant is ./shb_cpu_1pct.py). The network (from its
# synthetic pretraining, ../_base_/models/narrow_cpu_pretrained_semi.py)
# and schedule of every method of the benchmark; the semi-supervised
# settings of the synthetic benchmark (configs/p2r/synthetic_5pct.py): the
# teacher's BN statistics by EMA, a faster EMA (0.99), the teacher
# restarted from the student when the unlabelled branch starts after a 25 %
# burn-in (30 epochs: labelled-only at 1 % has reached a validation count
# ratio of about 0.8 by then), w = 0 in epoch 30, 1 in epoch 31, then 2.
# The hidden annotations of the unlabelled crops measure the pseudo-labels
# (logged only, never a loss).
_base_ = [
    '../_base_/models/narrow_cpu_pretrained_semi.py',
    '../_base_/datasets/shb_cpu_semi.py', '../_base_/schedules/shb_cpu.py',
    '../_base_/default_runtime.py'
]

model = dict(semi_train_cfg=dict(teacher_bn='ema', teacher_init='copy',
                                 pseudo_quality=dict(match_distance=8.0)))
train_dataloader = dict(dataset=dict(labeled_split='shb-5.txt'))
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.01, skip_buffer=False),
    dict(type='UnsupWeightHook', burn_in_epochs=30, step=1.0, max_weight=2.0,
         restart_teacher=True),
]
default_hooks = dict(logger=dict(interval=30),
                     checkpoint=dict(interval=5, max_keep_ckpts=1))
