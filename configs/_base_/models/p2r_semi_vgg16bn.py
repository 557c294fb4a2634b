# Mean-teacher semi-supervised P2R: a student and a teacher copy of the
# supervised counter; the data preprocessor handles the three branches
# (sup, unsup_teacher, unsup_student) of MultiBranch pipelines.
_base_ = ['./p2r_vgg16bn.py']

counter = {{_base_.model}}
model = dict(
    _delete_=True,
    type='SemiPointCounter',
    counter=counter,
    data_preprocessor=dict(
        type='mmdet.MultiBranchDataPreprocessor',
        data_preprocessor={{_base_.model.data_preprocessor}}),
    semi_train_cfg=dict(
        # A teacher cell with logit >= 0 is a pseudo-point; it is confident
        # (weight 1, else 0) when sigmoid(logit) > 0.7.
        pseudo_logit_thr=0.0,
        confidence_thr=0.7,
        # Teacher BN in eval mode with EMA-followed statistics; pairs with
        # MeanTeacherHook(skip_buffer=False) in the schedule.
        teacher_bn='ema'),
    semi_test_cfg=dict(predict_on='student'))
