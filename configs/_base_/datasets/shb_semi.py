# Semi-supervised training data for ShanghaiTech part B: the template
# ./sha_semi.py on the images of ./shb.py.
_base_ = ['./sha_semi.py']

train_dataloader = dict(
    dataset=dict(dataset=dict(data_root='data/ShanghaiTech/part_B/')))
val_dataloader = dict(dataset=dict(
    data_root=train_dataloader['dataset']['dataset']['data_root']))
test_dataloader = val_dataloader
