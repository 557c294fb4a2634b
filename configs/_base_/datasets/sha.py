# ShanghaiTech part A: 300 train / 182 test images.
_base_ = ['./crowd_dataloaders.py']

dataset_type = 'ShanghaiTechDataset'
data_root = 'data/ShanghaiTech/part_A/'
crop_size = (256, 256)

# The training augmentation, shared with the semi-supervised branches.
train_augment = [
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3), crop_size=crop_size),
    dict(type='PointRandomFlip', prob=0.5),
]
train_pipeline = [*_base_.load_annotated, *train_augment, _base_.pack]
test_pipeline = [*_base_.load_annotated, _base_.pack]

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
# Peers select checkpoints on the test set; for a proper validation set,
# hold images out of training: train_dataloader.dataset.holdout=<list or
# count> and val_dataloader.dataset=dict(split='train', subset='holdout',
# holdout=<the same>). A count is drawn among all train images and may
# not hit labeled_split's images (an error): with a labelled list, hold
# out a list disjoint from it (part B ships 'shb-holdout.txt').
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
