# The P2R paper's semi-supervised schedule: Adam as in the supervised case;
# the unlabelled loss weight w is 0 for a 50-epoch burn-in, then grows by
# 0.01 per epoch up to 2; the teacher follows the student by EMA with
# momentum 0.998 (mmdet's hook takes 1 - 0.998) after every step, BN
# statistics included. An epoch is one pass over the unlabelled images.
_base_ = ['./adam_lr5e-5.py']

train_cfg = dict(max_epochs=1500, val_interval=5)
custom_hooks = [
    dict(type='mmdet.MeanTeacherHook', momentum=0.002, interval=1,
         skip_buffer=False),
    dict(type='UnsupWeightHook', burn_in_epochs=50, step=0.01,
         max_weight=2.0),
]
# mmdet.TeacherStudentValLoop would evaluate both (metrics then named
# teacher/mae and student/mae: set save_best accordingly).
val_cfg = dict(type='ValLoop')
