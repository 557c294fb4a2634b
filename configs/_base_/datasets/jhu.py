# JHU-Crowd++: 2272 train / 500 val / 1600 test images; head boxes give
# the sigma_s / sigma_l localisation thresholds. Settings of UCF-QNRF (long
# side capped at 2048). Checkpoints are selected on the val split, and the
# test split is read by tools/test.py only.
_base_ = ['./qnrf.py']

train_dataloader = dict(
    dataset=dict(type='JHUCrowdDataset', data_root='data/jhu_crowd_v2.0/'))
val_dataloader = dict(
    dataset=dict(type=train_dataloader['dataset']['type'],
                 data_root=train_dataloader['dataset']['data_root'],
                 split='val'))
test_dataloader = dict(dataset=dict(val_dataloader['dataset'], split='test'))
