# NWPU-Crowd: 3109 train / 500 val / 1500 test (annotations withheld:
# evaluated online) images. Validation and testing use the val split.
# Settings of UCF-QNRF (long side capped at 2048).
_base_ = ['./qnrf.py']

train_dataloader = dict(
    dataset=dict(type='NWPUCrowdDataset', data_root='data/NWPU-Crowd/'))
val_dataloader = dict(
    dataset=dict(type=train_dataloader['dataset']['type'],
                 data_root=train_dataloader['dataset']['data_root'],
                 split='val'))
test_dataloader = val_dataloader
