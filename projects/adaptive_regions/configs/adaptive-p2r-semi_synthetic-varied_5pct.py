# Semi-supervised P2R with adaptive region bounds on the density-varied
# synthetic split: the loss of ./adaptive-p2r-semi_synthetic_5pct.py, the
# data of ./p2r-semi_synthetic-varied_5pct.py (restated from
# ./_base_/synthetic_varied.py: MMEngine merges one line of bases, and
# the data is the smaller part; tests/test_projects/test_adaptive_regions.py
# checks that both varied configs read the same split).
_base_ = ['./adaptive-p2r-semi_synthetic_5pct.py']

train_dataloader = dict(
    dataset=dict(
        dataset=dict(data_root='data/synthetic_crowd_varied/',
                     scene=dict(count_range=(5, 1200)))))
val_dataloader = dict(dataset=train_dataloader['dataset']['dataset'])
test_dataloader = val_dataloader
