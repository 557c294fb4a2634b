# The synthetic crowd benchmark (p2r_mm.datasets.synthetic): 200 train,
# 50 validation and 50 test images of 256-512 px, generated into data_root
# on first use. Validation (checkpoint selection) runs on the held-out
# 'val' split; the test split is read by tools/test.py only. The pipelines
# of ShanghaiTech (./sha.py) with 128x128 training crops (ShanghaiTech's
# are 256x256): four times the optimiser steps in the same CPU time; a crop
# still holds many heads. Smaller loaders for a 2-core CPU.
_base_ = ['./sha.py']

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        type='SyntheticCrowdDataset',
        data_root='data/synthetic_crowd/',
        pipeline=[
            dict(step, crop_size=(128, 128))
            if step['type'] == 'RandomScaleCrop' else step
            for step in _base_.train_dataloader.dataset.pipeline
        ]))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(type=train_dataloader['dataset']['type'],
                 data_root=train_dataloader['dataset']['data_root'],
                 split='val'))
test_dataloader = dict(
    num_workers=1, dataset=dict(val_dataloader['dataset'], split='test'))
