# ShanghaiTech part A: 300 train / 182 test images. Every other dataset base
# derives its pipelines from these: loading (image, then points), the
# training augmentation (one random scale, crop and flip), packing.
_base_ = ['./crowd_dataloaders.py']

train_dataloader = dict(
    dataset=dict(
        type='ShanghaiTechDataset',
        data_root='data/ShanghaiTech/part_A/',
        split='train',
        pipeline=[
            dict(type='LoadCrowdImage'),
            dict(type='LoadCrowdAnnotations'),
            dict(type='RandomScaleCrop', scale_range=(0.7, 1.3),
                 crop_size=(256, 256)),
            dict(type='PointRandomFlip', prob=0.5),
            dict(type='PackCrowdInputs'),
        ]))
# Peers select checkpoints on the test set; for a proper validation set,
# hold images out of training: train_dataloader.dataset.holdout=<list or
# count> and val_dataloader.dataset=dict(split='train', subset='holdout',
# holdout=<the same>). A count is drawn among all train images and may
# not hit labeled_split's images (an error): with a labelled list, hold
# out a list disjoint from it (part B ships 'shb-holdout.txt').
val_dataloader = dict(
    dataset=dict(
        type=train_dataloader['dataset']['type'],
        data_root=train_dataloader['dataset']['data_root'],
        split='test',
        test_mode=True,
        # the training pipeline without its augmentation
        pipeline=[*train_dataloader['dataset']['pipeline'][:2],
                  train_dataloader['dataset']['pipeline'][-1]]))
test_dataloader = val_dataloader
