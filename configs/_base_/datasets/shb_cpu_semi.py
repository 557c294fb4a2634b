# Semi-supervised training data of the ShanghaiTech B CPU benchmark: the
# template ./sha_semi.py on the data of ./shb_cpu.py (images halved right
# after loading, so the strong copy is made on the halved image; 128x128
# crops; the held-out validation images) at 4 labelled + 4 unlabelled crops
# per step: an epoch is one pass over every training image that is not
# held out (360 images -> 90 iterations). The unlabelled crops keep their
# annotations, hidden from every loss, so that the model's
# semi_train_cfg.pseudo_quality can measure the pseudo-labels against them.
_base_ = ['./shb_semi.py']

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        dataset=dict(holdout='shb-holdout.txt', hide_unlabeled_gt=False),
        labeled_pipeline=[
            *_base_.train_dataloader.dataset.labeled_pipeline[:2],
            dict(type='ResizeLongSide', max_size=512),
            *(dict(step, crop_size=(128, 128))
              if step['type'] == 'RandomScaleCrop' else step
              for step in
              _base_.train_dataloader.dataset.labeled_pipeline[2:]),
        ]))
train_dataloader['dataset']['unlabeled_pipeline'] = [
    # the image, its (hidden) points, the halving
    *train_dataloader['dataset']['labeled_pipeline'][:3],
    *(dict(step, crop_size=(128, 128))
      if step['type'] == 'RandomScaleCrop' else step
      for step in _base_.train_dataloader.dataset.unlabeled_pipeline[1:]),
]
train_dataloader['sampler'] = dict(batch_size=train_dataloader['batch_size'])
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        split='train',
        subset='holdout',
        holdout=train_dataloader['dataset']['dataset']['holdout'],
        # loading and halving, then packing
        pipeline=[*train_dataloader['dataset']['labeled_pipeline'][:3],
                  _base_.val_dataloader.dataset.pipeline[-1]]))
test_dataloader = dict(
    num_workers=1,
    dataset=dict(_base_.test_dataloader.dataset,
                 pipeline=val_dataloader['dataset']['pipeline']))
