# Semi-supervised training data for UCF-QNRF: the template ./sha_semi.py on
# the data of ./qnrf.py, whose long-side cap (2048 px) comes right after
# loading in every pipeline. The strong copy is thus made after the cap:
# the official code has no such cap (it ships SHA only, see
# docs/recipe.md), and jittering and blurring a 9000-px image for one
# 256-px crop would dominate the loader's time.
_base_ = ['./sha_semi.py']

train_dataloader = dict(
    dataset=dict(
        dataset=dict(type='UCFQNRFDataset',
                     data_root='data/UCF-QNRF_ECCV18/'),
        labeled_pipeline=[
            *_base_.train_dataloader.dataset.labeled_pipeline[:2],
            dict(type='ResizeLongSide', max_size=2048),
            *_base_.train_dataloader.dataset.labeled_pipeline[2:],
        ]))
train_dataloader['dataset']['unlabeled_pipeline'] = [
    _base_.train_dataloader.dataset.unlabeled_pipeline[0],
    train_dataloader['dataset']['labeled_pipeline'][2],  # the same cap
    *_base_.train_dataloader.dataset.unlabeled_pipeline[1:],
]
val_dataloader = dict(
    dataset=dict(
        type=train_dataloader['dataset']['dataset']['type'],
        data_root=train_dataloader['dataset']['dataset']['data_root'],
        pipeline=[*_base_.val_dataloader.dataset.pipeline[:2],
                  train_dataloader['dataset']['labeled_pipeline'][2],
                  _base_.val_dataloader.dataset.pipeline[-1]]))
test_dataloader = val_dataloader
