# Semi-supervised training data for ShanghaiTech A: the official loader of
# ./semi_branches.py over the augmentation of ./sha.py (one random scale,
# crop and flip per crop; an unlabelled crop then gives the teacher's and
# the student's views). Validation and test come from ./sha.py.
_base_ = ['./sha.py', './semi_branches.py']

train_dataloader = dict(
    _delete_=True,
    **_base_.semi_train_dataloader,
    dataset=dict(
        **_base_.semi_dataset,
        dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                     split='train'),
        labeled_pipeline=[*_base_.load_annotated, *_base_.train_augment,
                          _base_.sup_branch],
        unlabeled_pipeline=[_base_.load_image, _base_.strong_image,
                            *_base_.train_augment, _base_.unsup_branch]))
