# Semi-supervised P2R on the ShanghaiTech B CPU benchmark at 0.5 %: the 2
# labelled images of shb-0.5.txt, every other training image that is not
# held out as unlabelled; everything else is ./shb_cpu_5pct.py's.
_base_ = ['./shb_cpu_5pct.py']

train_dataloader = dict(dataset=dict(labeled_split='shb-0.5.txt'))
