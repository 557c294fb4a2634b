# What every crowd dataset base shares: the loading steps, the dataloaders
# (a dataset base fills in `dataset`) and the metrics.
load_image = dict(type='LoadCrowdImage')
load_annotated = [load_image, dict(type='LoadCrowdAnnotations')]
pack = dict(type='PackCrowdInputs')

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
