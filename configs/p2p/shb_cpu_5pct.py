# P2P-semi on the ShanghaiTech B CPU benchmark: configs/p2r/shb_cpu_5pct.py
# with point-to-point matching; unmatched cells of pseudo-labelled images
# get no signal (the paper's failing baseline).
_base_ = ['../p2r/shb_cpu_5pct.py']

model = dict(
    counter=dict(head=dict(loss=dict(_delete_=True, type='P2PLoss'))),
    unsup_loss=dict(type='P2PLoss', ignore_unmatched=True))
