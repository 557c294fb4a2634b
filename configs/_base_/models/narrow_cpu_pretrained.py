# The pretrained narrow CPU counter of ./narrow_cpu_pretrained_semi.py
# (which says how to make its checkpoint) on its own, for labelled-only
# training.
_base_ = ['./narrow_cpu_pretrained_semi.py']

model = dict(_delete_=True, **_base_.model.counter)
