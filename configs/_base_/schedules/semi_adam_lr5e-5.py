# The P2R paper's semi-supervised schedule (official main.py): Adam as in
# the supervised case; the unlabelled branch starts after a 50-epoch
# burn-in, its weight w = min(max((epoch - 50) * 0.01, 0), 2) with 0-based
# epochs; the teacher's parameters (not its BN buffers) follow the student
# by EMA with momentum 0.998 (the hook takes 1 - 0.998) after every step
# from the first; p2r_mm's MeanTeacherHook is mmdet's, except that it
# leaves the teacher's start to the model's semi_train_cfg.teacher_init.
# An epoch is one pass over the unlabelled images.
_base_ = ['./adam_lr5e-5.py']

train_cfg = dict(max_epochs=1500, val_interval=5)
custom_hooks = [
    dict(type='MeanTeacherHook', momentum=0.002, interval=1,
         skip_buffer=True),
    dict(type='UnsupWeightHook', burn_in_epochs=50, step=0.01,
         max_weight=2.0),
]
# mmdet.TeacherStudentValLoop would evaluate both (metrics then named
# teacher/mae4_rmse, ...: set save_best accordingly).
val_cfg = dict(type='ValLoop')

# The paper's batch: 1 GPU x (16 labelled + 16 unlabelled) crops.
auto_scale_lr = dict(enable=False, base_batch_size=32)
