# Semi-supervised training data for NWPU-Crowd (see qnrf_semi.py);
# validation and testing on its val split.
_base_ = ['./qnrf_semi.py']

dataset_type = 'NWPUCrowdDataset'
data_root = 'data/NWPU-Crowd/'
train_dataloader = dict(
    dataset=dict(dataset=dict(type=dataset_type, data_root=data_root)))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val'))
test_dataloader = val_dataloader
