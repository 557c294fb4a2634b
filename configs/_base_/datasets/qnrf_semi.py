# Semi-supervised training data for UCF-QNRF, as the official P2R loader
# of SHA (Elin24/P2RLoss run.sh, datasets/; it ships no other dataset, see
# docs/recipe.md), after the long side is capped at 2048 px: every step holds 16 labelled crops,
# each drawn at random with replacement, and 16 unlabelled crops; an epoch
# is one shuffled pass over the unlabelled list, which is every training
# image (the labelled ones included), ending with a smaller batch (SHA:
# 300 images = 18 x (16 + 16) + (12 + 12), 19 steps).
# Validation and test come from ./qnrf.py.
_base_ = ['./qnrf.py', './semi_branches.py']

labeled_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='ResizeLongSide', max_size=2048),
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3),
         crop_size={{_base_.crop_size}}),
    dict(type='PointRandomFlip', prob=0.5),
    dict(type='mmdet.MultiBranch', branch_field={{_base_.branch_field}},
         sup={{_base_.sup_view}}),
]
# One random scale/crop/flip, then two views of the same pixels.
unlabeled_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='ResizeLongSide', max_size=2048),
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3),
         crop_size={{_base_.crop_size}}),
    dict(type='PointRandomFlip', prob=0.5),
    dict(type='mmdet.MultiBranch', branch_field={{_base_.branch_field}},
         unsup_teacher={{_base_.weak_view}},
         unsup_student={{_base_.strong_view}}),
]
# Per GPU: 16 labelled + 16 unlabelled (the paper ran on one GPU).
batch_size = 32
train_dataloader = dict(
    _delete_=True,
    batch_size=batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='MultiSourceEpochSampler', batch_size=batch_size,
                 source_ratio=[1, 1], replacement=[True, False],
                 partial_last_batch=True),
    dataset=dict(
        type='SemiCrowdDataset',
        dataset=dict(type={{_base_.dataset_type}},
                     data_root={{_base_.data_root}}, split='train'),
        unlabeled_subset='all',
        labeled_pipeline=labeled_pipeline,
        unlabeled_pipeline=unlabeled_pipeline))
