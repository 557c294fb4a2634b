# Labelled-only baseline of the ShanghaiTech B CPU benchmark at 0.5 %: the
# 2 images of shb-0.5.txt (drawn from shb-1.txt), repeated so that an epoch
# still has 90 steps of 4 labelled crops; everything else is
# ./shb_cpu_5pct.py's. The benchmark's protocol: at 1 % the oracle was not
# far enough ahead (docs/results_shb_cpu_regimes.md, regimes E and F).
_base_ = ['./shb_cpu_5pct.py']

train_dataloader = dict(
    dataset=dict(times=180, dataset=dict(labeled_split='shb-0.5.txt')))
