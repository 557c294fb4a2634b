# The synthetic crowd benchmark (p2r_mm.datasets.synthetic): 200 train and
# 50 test images of 256-512 px, generated into data_root on first use. The
# pipelines of ShanghaiTech (./sha.py); smaller loaders for a 2-core CPU.
_base_ = ['./sha.py']

dataset_type = 'SyntheticCrowdDataset'
data_root = 'data/synthetic_crowd/'
train_dataloader = dict(
    batch_size=8, num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(
    num_workers=1, dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
