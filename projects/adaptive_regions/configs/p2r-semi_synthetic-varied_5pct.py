# Core semi-supervised P2R (fixed 8 / 96 px bounds) on the density-varied
# synthetic split (./_base_/synthetic_varied.py): the
# reference of adaptive-p2r-semi_synthetic-varied_5pct.py. Only the data
# differs from configs/p2r/synthetic_5pct.py; the labelled and unlabelled
# parts are built from train_dataloader.dataset.dataset, so both get it.
_base_ = ['../../../configs/p2r/synthetic_5pct.py',
          './_base_/synthetic_varied.py']
train_dataloader = dict(dataset=dict(dataset=_base_.varied_data))
val_dataloader = dict(dataset=_base_.varied_data)
test_dataloader = dict(dataset=_base_.varied_data)
