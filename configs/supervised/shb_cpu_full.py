# The full-label oracle of the ShanghaiTech B CPU benchmark: every training
# image that is not held out (360), the network, batch (4 crops) and steps
# of ./shb_cpu_5pct.py. The gap between the two is the headroom that
# unlabelled images can at most recover.
_base_ = ['./shb_cpu_5pct.py']

train_dataloader = dict(
    dataset=dict(times=1, dataset=dict(labeled_split=None, subset='all')))
