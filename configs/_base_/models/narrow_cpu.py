# Overrides that make the P2R counter narrow enough for CPU demos: VGG-16-BN
# at a quarter of its width (16-32-64-128-128 channels), trained from
# scratch (the ImageNet weights only fit the full width), 64-channel neck
# and head. Merge into a counter: `model = {{_base_.narrow_counter}}` or
# `model = dict(counter={{_base_.narrow_counter}})`.
narrow_counter = dict(
    backbone=dict(base_channels=16, init_cfg=None),
    neck=dict(in_channels=(128, 128), out_channels=64),
    head=dict(in_channels=64, feat_channels=64))
