# Users' own images: data_root/images/ + annotations.json
# ({"a.jpg": [[x, y], ...], ...}); see CustomCrowdDataset for per-image
# text files. The pipelines of ./qnrf.py (long side capped at 2048 px).
# 10 % of the images are held out for validation and checkpoint selection
# (the same draw in both dataloaders).
_base_ = ['./qnrf.py']

dataset_type = 'CustomCrowdDataset'
data_root = 'data/my_crowd/'
ann_file = 'annotations.json'
holdout = 0.1

images = dict(type=dataset_type, data_root=data_root, ann_file=ann_file,
              holdout=holdout, seed=0)
train_dataloader = dict(dataset=dict(
    _delete_=True, **images, pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(
    _delete_=True, **images, subset='holdout', test_mode=True,
    pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
