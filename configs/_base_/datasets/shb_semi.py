# Semi-supervised training data for ShanghaiTech part B (see sha_semi.py).
_base_ = ['./sha_semi.py']

data_root = 'data/ShanghaiTech/part_B/'
train_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
