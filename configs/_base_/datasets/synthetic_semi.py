# Semi-supervised training data for the synthetic benchmark: each batch
# holds labelled and unlabelled crops 1:1; an epoch is one pass over the
# unlabelled images.
# Validation and test come from ./synthetic.py.
_base_ = ['./synthetic.py', './semi_branches.py']

labeled_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3),
         crop_size={{_base_.crop_size}}),
    dict(type='PointRandomFlip', prob=0.5),
    dict(type='mmdet.MultiBranch', branch_field={{_base_.branch_field}},
         sup={{_base_.sup_view}}),
]
# One random scale/crop/flip, then two views of the same pixels.
unlabeled_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3),
         crop_size={{_base_.crop_size}}),
    dict(type='PointRandomFlip', prob=0.5),
    dict(type='mmdet.MultiBranch', branch_field={{_base_.branch_field}},
         unsup_teacher={{_base_.weak_view}},
         unsup_student={{_base_.strong_view}}),
]
batch_size = 8
train_dataloader = dict(
    _delete_=True,
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='MultiSourceEpochSampler', batch_size=batch_size,
                 source_ratio=[1, 1]),
    dataset=dict(
        type='SemiCrowdDataset',
        dataset=dict(type={{_base_.dataset_type}},
                     data_root={{_base_.data_root}}, split='train'),
        labeled_pipeline=labeled_pipeline,
        unlabeled_pipeline=unlabeled_pipeline))
