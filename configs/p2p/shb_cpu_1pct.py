# P2P-semi on the ShanghaiTech B CPU benchmark at 1 %: the 4 labelled
# images of shb-1.txt; everything else is ./shb_cpu_5pct.py's.
_base_ = ['./shb_cpu_5pct.py']

train_dataloader = dict(dataset=dict(labeled_split='shb-1.txt'))
