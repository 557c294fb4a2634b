# ShanghaiTech part B for the CPU benchmark (configs/*/shb_cpu_*.py): the
# images halved to 512x384 (ResizeLongSide, points scaled alike) for
# training and testing, and 128x128 training crops, so that a 2-core CPU
# trains and tests a run in minutes: a 128-px crop of the halved image
# holds as much scene as a 256-px crop of the original, and validating and
# testing read a quarter of the pixels. Validation (checkpoint selection)
# runs on the 40 training images of shb-holdout.txt, which no labelled list
# names and no method trains on; the test split is read by tools/test.py.
_base_ = ['./shb.py']

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    dataset=dict(
        holdout='shb-holdout.txt',
        pipeline=[
            *_base_.train_dataloader.dataset.pipeline[:2],
            dict(type='ResizeLongSide', max_size=512),
            *(dict(step, crop_size=(128, 128))
              if step['type'] == 'RandomScaleCrop' else step
              for step in _base_.train_dataloader.dataset.pipeline[2:]),
        ]))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        split='train',
        subset='holdout',
        holdout=train_dataloader['dataset']['holdout'],
        # loading and halving, then packing
        pipeline=[*train_dataloader['dataset']['pipeline'][:3],
                  _base_.val_dataloader.dataset.pipeline[-1]]))
test_dataloader = dict(
    num_workers=1,
    dataset=dict(_base_.test_dataloader.dataset,
                 pipeline=val_dataloader['dataset']['pipeline']))
