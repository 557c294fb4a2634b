# ShanghaiTech part B: 400 train / 316 test images, 1024x768; the archive
# and settings of part A. Validation images held out of training (see
# ./sha.py): holdout='shb-holdout.txt', 40 train images that no shb-*.txt
# labelled list names, the same for every method and seed.
_base_ = ['./sha.py']

train_dataloader = dict(dataset=dict(data_root='data/ShanghaiTech/part_B/'))
val_dataloader = dict(
    dataset=dict(data_root=train_dataloader['dataset']['data_root']))
test_dataloader = val_dataloader
