# The full-label oracle of the synthetic benchmark: every training image
# labelled, the same network, batch (4 crops) and number of optimiser steps
# (16 epochs x 50) as configs/supervised/synthetic_5pct.py. The gap between
# the two is the headroom that unlabelled images can at most recover.
_base_ = ['./synthetic_5pct.py']

train_dataloader = dict(
    dataset=dict(times=1, dataset=dict(labeled_ratio=None, subset='all')))
