# What every crowd dataset base shares: the dataloaders (a dataset base fills
# in `dataset`) and the metrics. Bases set only keys that MMEngine's Runner
# reads; a base that needs a piece of another takes it from these keys
# (e.g. `_base_.train_dataloader.dataset.pipeline`), so no helper variable
# reaches a resolved config (tests/test_configs/test_config_keys.py).
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader

val_evaluator = [dict(type='CountingMetric'), dict(type='LocalizationMetric')]
test_evaluator = val_evaluator
