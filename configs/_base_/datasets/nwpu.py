# NWPU-Crowd: 3109 train / 500 val / 1500 test (annotations withheld:
# evaluated online) images. Validation and testing use the val split.
# Settings of UCF-QNRF (long side capped at 2048).
_base_ = ['./qnrf.py']

dataset_type = 'NWPUCrowdDataset'
data_root = 'data/NWPU-Crowd/'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val'))
test_dataloader = val_dataloader
