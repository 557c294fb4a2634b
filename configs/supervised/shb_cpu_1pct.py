# Labelled-only baseline of the ShanghaiTech B CPU benchmark at 1 %: the 4
# images of shb-1.txt (drawn from shb-5.txt), repeated so that an epoch
# still has 90 steps of 4 labelled crops; everything else is
# ./shb_cpu_5pct.py's.
_base_ = ['./shb_cpu_5pct.py']

train_dataloader = dict(
    dataset=dict(times=90, dataset=dict(labeled_split='shb-1.txt')))
