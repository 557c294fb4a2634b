# Semi-supervised training data of the ShanghaiTech B CPU benchmark: the
# official P2R loader of ./semi_branches.py (labelled crops drawn with
# replacement; an epoch is one pass over every training image that is not
# held out, as unlabelled, the labelled ones included) at 4 labelled + 4
# unlabelled crops per step (360 images -> 90 iterations), over the
# augmentation of ./shb_cpu.py. The unlabelled crops keep their
# annotations, hidden from every loss, so that the model's
# semi_train_cfg.pseudo_quality can measure the pseudo-labels against them.
_base_ = ['./shb_cpu.py', './semi_branches.py']

train_dataloader = dict(
    _delete_=True,
    **_base_.semi_train_dataloader,
    dataset=dict(
        **_base_.semi_dataset,
        dataset=dict(type=_base_.dataset_type, data_root=_base_.data_root,
                     split='train', holdout=_base_.holdout,
                     hide_unlabeled_gt=False),
        labeled_pipeline=[*_base_.load_annotated, *_base_.train_augment,
                          _base_.sup_branch],
        # the strong copy is made on the halved image, before the crop
        unlabeled_pipeline=[*_base_.load_annotated, _base_.resize,
                            _base_.strong_image, *_base_.train_augment[1:],
                            _base_.unsup_branch]))
train_dataloader.update(
    batch_size=8, num_workers=2,
    sampler=dict(train_dataloader['sampler'], batch_size=8))
