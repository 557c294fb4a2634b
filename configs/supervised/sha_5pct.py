# Labelled-only baseline: P2R on the 5 % labelled subset alone.
_base_ = [
    '../_base_/models/p2r_vgg16bn.py', '../_base_/datasets/sha.py',
    '../_base_/schedules/adam_lr5e-5.py', '../_base_/default_runtime.py'
]

train_dataloader = dict(
    dataset=dict(labeled_split='sha-5.txt', subset='labeled'))
