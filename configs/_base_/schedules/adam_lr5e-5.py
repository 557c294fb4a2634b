# The P2R paper's optimisation: Adam, lr 5e-5 (backbone 1e-5), weight decay
# 1e-4, validation every 5 epochs (best checkpoint by MAE: see
# default_runtime.py). The number of epochs is this project's choice (the
# paper does not state it).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-5, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.2)}))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1500, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# For another total batch size than 16, lr scales linearly.
auto_scale_lr = dict(enable=False, base_batch_size=16)
