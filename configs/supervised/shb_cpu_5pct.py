# Labelled-only baseline of the ShanghaiTech B CPU benchmark: the 20 images
# of shb-5.txt, repeated so that an epoch has as many steps of 4 labelled
# crops as an epoch of the semi-supervised run (90); the narrow network
# from its synthetic pretraining (made by the command in
# ../_base_/models/narrow_cpu_pretrained_semi.py) and the schedule every method
# of the benchmark shares. At 5 % this network reaches the oracle's
# validation MAE (no headroom: docs/results_shb_cpu_regimes.md, regime D);
# the benchmark runs at 1 % (./shb_cpu_1pct.py).
_base_ = [
    '../_base_/models/narrow_cpu_pretrained.py',
    '../_base_/datasets/shb_cpu.py', '../_base_/schedules/shb_cpu.py',
    '../_base_/default_runtime.py'
]

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=18,  # 20 labelled images x 18 = the 360 training images
        dataset=dict(
            _base_.train_dataloader.dataset,
            labeled_split='shb-5.txt',
            subset='labeled')))
default_hooks = dict(logger=dict(interval=30),
                     checkpoint=dict(interval=5, max_keep_ckpts=1))
