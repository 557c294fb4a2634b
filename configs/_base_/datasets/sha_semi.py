# Semi-supervised training data for ShanghaiTech A, and the template of
# every other *_semi.py, which derive from this file and change only their
# data: the official P2R loader (Elin24/P2RLoss run.sh, datasets/; see
# docs/recipe.md) over the augmentation of ./sha.py. Validation and test
# come from ./sha.py.
#
# The views of mmdet's MultiBranch: labelled crops fill 'sup'; an
# unlabelled image gives a weak view to the teacher and a strong view to
# the student. As in the official loader, the strong view's photometry is
# applied to the whole image before the crop (AddStrongImage, placed before
# the shared random scale, crop and flip): the P2R paper's colour jitter
# (p 0.8), grayscale (p 0.25), Gaussian blur sigma in [0.1, 2]
# original-image pixels (p 0.8). The strong view then takes that copy and
# one cutout of 1/8-1/4 of the crop per side, whose cells the loss ignores.
# The cutout only records its box: the model sets it to 0 after
# normalisation (semi_train_cfg.cutout_fill), as the official code does.
#
# Every step holds 16 labelled crops, each drawn at random with
# replacement, and 16 unlabelled ones; an epoch is one shuffled pass over
# the unlabelled pool, which is every training image (the labelled ones
# included), ending with a smaller step (SHA: 300 images = 18 x (16 + 16)
# + (12 + 12), 19 steps). Per GPU; the paper used one. The sampler's batch
# size is the loader's.
_base_ = ['./sha.py']

train_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    dataset=dict(
        type='SemiCrowdDataset',
        unlabeled_subset='all',
        dataset=dict(type=_base_.train_dataloader.dataset.type,
                     data_root=_base_.train_dataloader.dataset.data_root,
                     split='train'),
        # the supervised pipeline, packed into the 'sup' branch
        labeled_pipeline=[
            *_base_.train_dataloader.dataset.pipeline[:-1],
            dict(type='mmdet.MultiBranch',
                 branch_field=['sup', 'unsup_teacher', 'unsup_student'],
                 sup=_base_.train_dataloader.dataset.pipeline[-1:]),
        ],
        # the image without points, its strong copy, the same augmentation
        unlabeled_pipeline=[
            _base_.train_dataloader.dataset.pipeline[0],
            dict(
                type='AddStrongImage',
                transforms=[
                    dict(type='mmcv.RandomApply', prob=0.8,
                         transforms=[dict(type='ColorJitter', brightness=0.4,
                                          contrast=0.4, saturation=0.4,
                                          hue=0.1)]),
                    dict(type='mmcv.RandomGrayscale', prob=0.25,
                         keep_channels=True,
                         channel_weights=(0.114, 0.587, 0.299)),  # BGR luma
                    dict(type='RandomGaussianBlur', sigma_range=(0.1, 2.0),
                         prob=0.8),
                ]),
            *_base_.train_dataloader.dataset.pipeline[2:-1],
            dict(type='mmdet.MultiBranch',
                 branch_field=['sup', 'unsup_teacher', 'unsup_student'],
                 unsup_teacher=_base_.train_dataloader.dataset.pipeline[-1:],
                 unsup_student=[
                     dict(type='UseStrongImage'),
                     dict(type='RandomCutout', side_range=(0.125, 0.25),
                          fill=None),
                     *_base_.train_dataloader.dataset.pipeline[-1:],
                 ]),
        ]))
train_dataloader['sampler'] = dict(
    type='MultiSourceEpochSampler',
    batch_size=train_dataloader['batch_size'],
    source_ratio=[1, 1],
    replacement=[True, False],
    partial_last_batch=True)
