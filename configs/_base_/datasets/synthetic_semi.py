# Semi-supervised training data for the synthetic benchmark: the official
# P2R loader of ./semi_branches.py (labelled crops drawn with replacement;
# an epoch is one pass over every training image as unlabelled, the
# labelled ones included) at 4 labelled + 4 unlabelled crops per step
# (200 images -> 50 iterations), over the augmentation of ./synthetic.py.
# The unlabelled crops keep their annotations, hidden from every loss, so
# that the model's semi_train_cfg.pseudo_quality can measure the
# pseudo-labels against them. Validation and test come from ./synthetic.py.
_base_ = ['./synthetic.py', './semi_branches.py']

train_dataloader = dict(
    _delete_=True,
    **_base_.semi_train_dataloader,
    dataset=dict(
        **_base_.semi_dataset,
        dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                     split='train', hide_unlabeled_gt=False),
        labeled_pipeline=[*_base_.load_annotated, *_base_.train_augment,
                          _base_.sup_branch],
        unlabeled_pipeline=[*_base_.load_annotated, _base_.strong_image,
                            *_base_.train_augment, _base_.unsup_branch]))
train_dataloader.update(
    batch_size=8, num_workers=2,
    sampler=dict(train_dataloader['sampler'], batch_size=8))
