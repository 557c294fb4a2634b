# Fully supervised P2R on every training image.
_base_ = [
    '../_base_/models/p2r_vgg16bn.py', '../_base_/datasets/jhu.py',
    '../_base_/schedules/adam_lr5e-5.py', '../_base_/default_runtime.py'
]
