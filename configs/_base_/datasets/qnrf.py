# UCF-QNRF: 1201 train / 334 test images, up to 9000 px: long side
# capped at 2048 px right after loading, points scaled alike; otherwise as
# ./sha.py.
_base_ = ['./sha.py']

train_dataloader = dict(
    dataset=dict(
        type='UCFQNRFDataset',
        data_root='data/UCF-QNRF_ECCV18/',
        pipeline=[*_base_.train_dataloader.dataset.pipeline[:2],
                  dict(type='ResizeLongSide', max_size=2048),
                  *_base_.train_dataloader.dataset.pipeline[2:]]))
val_dataloader = dict(
    dataset=dict(
        type=train_dataloader['dataset']['type'],
        data_root=train_dataloader['dataset']['data_root'],
        # loading and the cap, then packing
        pipeline=[*train_dataloader['dataset']['pipeline'][:3],
                  _base_.val_dataloader.dataset.pipeline[-1]]))
test_dataloader = val_dataloader
