# ShanghaiTech part B for the CPU benchmark (configs/*/shb_cpu_*.py): the
# images halved to 512x384 (ResizeLongSide, points scaled alike) for
# training and testing, and 128x128 training crops, so that a 2-core CPU
# trains and tests a run in minutes: a 128-px crop of the halved image
# holds as much scene as a 256-px crop of the original, and validating and
# testing read a quarter of the pixels. Validation (checkpoint selection)
# runs on the 40 training images of shb-holdout.txt, which no labelled list
# names and no method trains on; the test split is read by tools/test.py.
_base_ = ['./shb.py']

holdout = 'shb-holdout.txt'
resize = dict(type='ResizeLongSide', max_size=512)
crop_size = (128, 128)
train_augment = [
    resize,
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3), crop_size=crop_size),
    dict(type='PointRandomFlip', prob=0.5),
]
train_pipeline = [*_base_.load_annotated, *train_augment, _base_.pack]
test_pipeline = [*_base_.load_annotated, resize, _base_.pack]
train_dataloader = dict(
    batch_size=4, num_workers=2,
    dataset=dict(holdout=holdout, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(split='train', subset='holdout', holdout=holdout,
                 pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=1,
    dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                 split='test', test_mode=True, pipeline=test_pipeline))
