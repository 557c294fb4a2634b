# Optimisation of the ShanghaiTech B CPU benchmark, the same for every
# method: epochs of 90 iterations (4 labelled crops, and 4 unlabelled for
# the semi-supervised methods), Adam at 1e-3 (the narrow network starts
# from scratch, as in ./synthetic_cpu.py), the lr 10x lower for the last
# sixth of the epochs, validation on the held-out images every 5 epochs
# (the leaf configs keep the last checkpoint and the best one).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[25], gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
