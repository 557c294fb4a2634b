# The synthetic crowd benchmark (p2r_mm.datasets.synthetic): 200 train,
# 50 validation and 50 test images of 256-512 px, generated into data_root
# on first use. Validation (checkpoint selection) runs on the held-out
# 'val' split; the test split is read by tools/test.py only. The pipelines
# of ShanghaiTech (./sha.py) with smaller crops; smaller loaders for a
# 2-core CPU.
_base_ = ['./sha.py']

dataset_type = 'SyntheticCrowdDataset'
data_root = 'data/synthetic_crowd/'
# 128x128 training crops (ShanghaiTech's are 256x256): four times the
# optimiser steps in the same CPU time; a crop still holds many heads.
crop_size = (128, 128)
train_augment = [
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3), crop_size=crop_size),
    dict(type='PointRandomFlip', prob=0.5),
]
train_pipeline = [*_base_.load_annotated, *train_augment, _base_.pack]
train_dataloader = dict(
    batch_size=8, num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root,
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(type=dataset_type, data_root=data_root, split='val'))
test_dataloader = dict(
    num_workers=1,
    dataset=dict(type=dataset_type, data_root=data_root, split='test'))
