# Users' own images: data_root/images/ + annotations.json
# ({"a.jpg": [[x, y], ...], ...}); see CustomCrowdDataset for per-image
# text files. 10 % of the images are held out for validation and
# checkpoint selection (the same draw in both dataloaders).
dataset_type = 'CustomCrowdDataset'
data_root = 'data/my_crowd/'
ann_file = 'annotations.json'
holdout = 0.1
crop_size = (256, 256)

train_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='ResizeLongSide', max_size=2048),
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3), crop_size=crop_size),
    dict(type='PointRandomFlip', prob=0.5),
    dict(type='PackCrowdInputs'),
]
test_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='ResizeLongSide', max_size=2048),
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
        ann_file=ann_file,
        holdout=holdout,
        seed=0,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        subset='holdout',
        holdout=holdout,
        seed=0,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [dict(type='CountingMetric'), dict(type='LocalizationMetric')]
test_evaluator = val_evaluator
