# UCF-QNRF: 1201 train / 334 test images, up to 9000 px: long side
# capped at 2048 px, points scaled alike; otherwise as ./sha.py.
_base_ = ['./sha.py']

dataset_type = 'UCFQNRFDataset'
data_root = 'data/UCF-QNRF_ECCV18/'

resize = dict(type='ResizeLongSide', max_size=2048)
# The training augmentation, shared with the semi-supervised branches.
train_augment = [resize, *_base_.train_augment]
train_pipeline = [*_base_.load_annotated, *train_augment, _base_.pack]
test_pipeline = [*_base_.load_annotated, resize, _base_.pack]
train_dataloader = dict(dataset=dict(
    type=dataset_type, data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    type=dataset_type, data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
