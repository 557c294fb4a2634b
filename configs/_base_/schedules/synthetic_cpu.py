# Optimisation for the synthetic CPU benchmark. The paper's lr (5e-5) is for
# fine-tuning ImageNet weights; the narrow demo network starts from scratch
# and needs a larger one to learn within minutes.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=25, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
