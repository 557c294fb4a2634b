# Semi-supervised training data for the synthetic benchmark: the branches
# of ./semi_branches.py over the augmentation of ./synthetic.py, batches of
# 4 labelled + 4 unlabelled crops; an epoch is one pass over the unlabelled
# images (those outside the labelled set). Validation and test come from
# ./synthetic.py.
_base_ = ['./synthetic.py', './semi_branches.py']

train_dataloader = dict(
    _delete_=True,
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='MultiSourceEpochSampler', batch_size=8,
                 source_ratio=[1, 1]),
    dataset=dict(
        type='SemiCrowdDataset',
        dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                     split='train'),
        labeled_pipeline=[*_base_.load_annotated, *_base_.train_augment,
                          _base_.sup_branch],
        unlabeled_pipeline=[_base_.load_image, *_base_.train_augment,
                            _base_.unsup_branch]))
