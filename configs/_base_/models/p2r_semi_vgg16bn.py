# Mean-teacher semi-supervised P2R: a student and a teacher copy of the
# supervised counter; the data preprocessor handles the three branches
# (sup, unsup_teacher, unsup_student) of MultiBranch pipelines.
_base_ = ['./p2r_vgg16bn.py']

model = dict(
    _delete_=True,
    type='SemiPointCounter',
    counter=_base_.model,
    data_preprocessor=dict(
        type='mmdet.MultiBranchDataPreprocessor',
        data_preprocessor=_base_.model.data_preprocessor),
    semi_train_cfg=dict(
        # A teacher cell with logit >= 0 is a pseudo-point; it is confident
        # (weight 1, else 0) when sigmoid(logit) > 0.7.
        pseudo_logit_thr=0.0,
        confidence_thr=0.7,
        # The official teacher stays in train mode: its BN normalises with
        # the weak batch's own statistics; pairs with
        # MeanTeacherHook(skip_buffer=True) in the schedule. 'ema' (eval-mode
        # BN with EMA-followed statistics, skip_buffer=False) is the other
        # option.
        teacher_bn='batch',
        # The official teacher is a second network with its own random
        # neck and head (both backbones load the same ImageNet weights),
        # never a copy of the student; 'copy' is MMDetection's start.
        teacher_init='independent',
        # The strong view's cutout box is 0 in the normalised input (the
        # mean colour): the official code multiplies the normalised view by
        # its cut mask; RandomCutout(fill=None) only records the box.
        cutout_fill=0.0),
    semi_test_cfg=dict(predict_on='student'))
