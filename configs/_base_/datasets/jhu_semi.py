# Semi-supervised training data for JHU-Crowd++: ./qnrf_semi.py on the
# images of ./jhu.py; checkpoints selected on the val split, tested on
# the test split.
_base_ = ['./qnrf_semi.py']

train_dataloader = dict(
    dataset=dict(dataset=dict(type='JHUCrowdDataset',
                              data_root='data/jhu_crowd_v2.0/')))
val_dataloader = dict(
    dataset=dict(type=train_dataloader['dataset']['dataset']['type'],
                 data_root=train_dataloader['dataset']['dataset']['data_root'],
                 split='val'))
test_dataloader = dict(dataset=dict(val_dataloader['dataset'], split='test'))
