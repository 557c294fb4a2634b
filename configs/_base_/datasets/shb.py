# ShanghaiTech part B: 400 train / 316 test images, 1024x768; the archive
# and settings of part A.
_base_ = ['./sha.py']

data_root = 'data/ShanghaiTech/part_B/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
