# JHU-Crowd++: 2272 train / 500 val / 1600 test images; head boxes give
# the sigma_s / sigma_l localisation thresholds. Settings of UCF-QNRF (long
# side capped at 2048).
_base_ = ['./qnrf.py']

dataset_type = 'JHUCrowdDataset'
data_root = 'data/jhu_crowd_v2.0/'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
