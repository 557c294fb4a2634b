# ShanghaiTech part B: 400 train / 316 test images, 1024x768.
dataset_type = 'ShanghaiTechDataset'
data_root = 'data/ShanghaiTech/part_B/'
crop_size = (256, 256)

train_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3), crop_size=crop_size),
    dict(type='PointRandomFlip', prob=0.5),
    dict(type='PackCrowdInputs'),
]
test_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='PackCrowdInputs'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
# Peers select checkpoints on the test set; for a proper validation set,
# hold images out of training: train_dataloader.dataset.holdout=<list or
# count> and val_dataloader.dataset=dict(split='train', subset='holdout',
# holdout=<the same>).
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [dict(type='CountingMetric'), dict(type='LocalizationMetric')]
test_evaluator = val_evaluator
