# The P2R counter made narrow enough for CPU demos, as the student and
# teacher of the semi-supervised model: VGG-16-BN at a quarter of its width
# (16-32-64-128-128 channels), trained from scratch (the ImageNet weights
# only fit the full width), 64-channel neck and head. The labelled-only
# configs train this counter alone (./narrow_cpu.py), so both kinds of run
# share one definition of the network.
_base_ = ['./p2r_semi_vgg16bn.py']

model = dict(
    counter=dict(
        backbone=dict(base_channels=16, init_cfg=None),
        neck=dict(in_channels=(128, 128), out_channels=64),
        head=dict(in_channels=64, feat_channels=64)))
