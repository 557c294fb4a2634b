# Labelled-only baseline on the synthetic benchmark: the same 5 % labelled
# images as configs/p2r/synthetic_5pct.py (same labeled_ratio and seed),
# repeated so that an epoch has as many steps of 4 labelled crops as an
# epoch of the semi-supervised run (50); same network and schedule.
_base_ = [
    '../_base_/models/narrow_cpu.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/synthetic_cpu.py', '../_base_/default_runtime.py'
]

train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=20,  # 10 labelled images x 20 = the 200 training images
        dataset=dict(
            _base_.train_dataloader.dataset,
            labeled_ratio=0.05,
            subset='labeled')))
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=2, max_keep_ckpts=1))
