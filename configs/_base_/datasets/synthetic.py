# The synthetic crowd benchmark (p2r_mm.datasets.synthetic): 200 train and
# 50 test images of 256-512 px, generated into data_root on first use.
dataset_type = 'SyntheticCrowdDataset'
data_root = 'data/synthetic_crowd/'
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
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
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
