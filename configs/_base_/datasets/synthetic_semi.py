# Semi-supervised training data for the synthetic benchmark: the template
# ./sha_semi.py on the data of ./synthetic.py (128x128 crops, held-out
# validation split) at 4 labelled + 4 unlabelled crops per step (200
# images -> 50 iterations). The unlabelled crops keep their annotations,
# hidden from every loss, so that the model's semi_train_cfg.pseudo_quality
# can measure the pseudo-labels against them.
_base_ = ['./sha_semi.py']

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        dataset=dict(type='SyntheticCrowdDataset',
                     data_root='data/synthetic_crowd/',
                     hide_unlabeled_gt=False),
        labeled_pipeline=[
            dict(step, crop_size=(128, 128))
            if step['type'] == 'RandomScaleCrop' else step
            for step in _base_.train_dataloader.dataset.labeled_pipeline
        ]))
train_dataloader['dataset']['unlabeled_pipeline'] = [
    # the image and its (hidden) points
    *train_dataloader['dataset']['labeled_pipeline'][:2],
    *(dict(step, crop_size=(128, 128))
      if step['type'] == 'RandomScaleCrop' else step
      for step in _base_.train_dataloader.dataset.unlabeled_pipeline[1:]),
]
train_dataloader['sampler'] = dict(batch_size=train_dataloader['batch_size'])
val_dataloader = dict(
    num_workers=1,
    dataset=dict(type=train_dataloader['dataset']['dataset']['type'],
                 data_root=train_dataloader['dataset']['dataset']['data_root'],
                 split='val'))
test_dataloader = dict(
    num_workers=1, dataset=dict(val_dataloader['dataset'], split='test'))
