# Users' own images: data_root/images/ + annotations.json
# ({"a.jpg": [[x, y], ...], ...}); see CustomCrowdDataset for per-image
# text files. The pipelines of ./qnrf.py (long side capped at 2048 px).
# 10 % of the images are held out for validation and checkpoint selection
# (the same draw in both dataloaders).
_base_ = ['./qnrf.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomCrowdDataset',
        data_root='data/my_crowd/',
        ann_file='annotations.json',
        holdout=0.1,
        seed=0,
        pipeline=_base_.train_dataloader.dataset.pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        **{k: v for k, v in train_dataloader['dataset'].items()
           if k not in ('_delete_', 'pipeline')},
        subset='holdout',
        test_mode=True,
        pipeline=_base_.val_dataloader.dataset.pipeline))
test_dataloader = val_dataloader
