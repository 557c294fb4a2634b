# Semi-supervised training data for NWPU-Crowd: ./qnrf_semi.py on the
# images of ./nwpu.py; validation and testing on its val split.
_base_ = ['./qnrf_semi.py']

train_dataloader = dict(
    dataset=dict(dataset=dict(type='NWPUCrowdDataset',
                              data_root='data/NWPU-Crowd/')))
val_dataloader = dict(
    dataset=dict(type=train_dataloader['dataset']['dataset']['type'],
                 data_root=train_dataloader['dataset']['dataset']['data_root'],
                 split='val'))
test_dataloader = val_dataloader
