# Labelled-only baseline on your own images: 5 % of them labelled (a
# deterministic draw), 10 % held out for validation (see the dataset base).
_base_ = [
    '../_base_/models/p2r_vgg16bn.py', '../_base_/datasets/custom.py',
    '../_base_/schedules/adam_lr5e-5.py', '../_base_/default_runtime.py'
]

train_dataloader = dict(dataset=dict(labeled_ratio=0.05, subset='labeled'))
