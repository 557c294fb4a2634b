# The CPU demo model p2r_mm ships: ./shb_cpu_full.py (the narrow network
# from its synthetic pretraining, every ShanghaiTech B training image that
# is not held out) trained 4x longer, 480 epochs with the lr 10x lower from
# epoch 400 (about an hour on 2 cores), validated on the held-out images
# every 20 epochs; its validation-selected checkpoint, reduced to its
# weights, is the shipped model (docs/model_zoo.md). A CPU demo, not the
# paper's model.
_base_ = ['./shb_cpu_full.py']

param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[400], gamma=0.1)
]
train_cfg = dict(max_epochs=480, val_interval=20)
default_hooks = dict(checkpoint=dict(interval=20))
