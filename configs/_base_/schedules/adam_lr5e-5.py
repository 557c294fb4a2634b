# The P2R paper's optimisation (official config.py / main.py): Adam, lr
# 5e-5 (backbone 1e-5), weight decay 1e-4, 1500 epochs, no LR decay and no
# gradient clipping (the official StepLR and CLIP_GRAD are defined but
# never applied), seed 2024, validation every 5 epochs (best checkpoint by
# 4 * MAE + RMSE: see default_runtime.py).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-5, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.2)}))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1500, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

randomness = dict(seed=2024)

# The supervised batch: 1 GPU x 16 crops; lr scales linearly from it.
auto_scale_lr = dict(enable=False, base_batch_size=16)
