# Semi-supervised P2R on the ShanghaiTech B CPU benchmark at 1 %: the 4
# labelled images of shb-1.txt, every other training image that is not
# held out as unlabelled; everything else is ./shb_cpu_5pct.py's.
_base_ = ['./shb_cpu_5pct.py']

train_dataloader = dict(dataset=dict(labeled_split='shb-1.txt'))
