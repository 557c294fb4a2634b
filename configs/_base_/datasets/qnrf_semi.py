# Semi-supervised training data for UCF-QNRF: the official loader of
# ./semi_branches.py over the augmentation of ./qnrf.py (long side capped
# at 2048 px, one random scale, crop and flip per crop; an unlabelled crop
# then gives the teacher's and the student's views). The official code
# ships SHA only: see docs/recipe.md. Validation and test: ./qnrf.py.
_base_ = ['./qnrf.py', './semi_branches.py']

train_dataloader = dict(
    _delete_=True,
    **_base_.semi_train_dataloader,
    dataset=dict(
        **_base_.semi_dataset,
        dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                     split='train'),
        labeled_pipeline=[*_base_.load_annotated, *_base_.train_augment,
                          _base_.sup_branch],
        # the strong copy is made after the long side is capped: the
        # official code has no such cap (it ships SHA only), and jittering
        # and blurring a 9000-px image for one 256-px crop would dominate
        # the loader's time
        unlabeled_pipeline=[_base_.load_image, _base_.resize,
                            _base_.strong_image, *_base_.train_augment[1:],
                            _base_.unsup_branch]))
