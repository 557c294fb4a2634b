# Semi-supervised training data for JHU-Crowd++ (see qnrf_semi.py).
_base_ = ['./qnrf_semi.py']

dataset_type = 'JHUCrowdDataset'
data_root = 'data/jhu_crowd_v2.0/'
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root)))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
