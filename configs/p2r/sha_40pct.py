# Semi-supervised P2R, 40 % of the images labelled (the standard list).
_base_ = [
    '../_base_/models/p2r_semi_vgg16bn.py', '../_base_/datasets/sha_semi.py',
    '../_base_/schedules/semi_adam_lr5e-5.py', '../_base_/default_runtime.py'
]

train_dataloader = dict(dataset=dict(labeled_split='sha-40.txt'))
