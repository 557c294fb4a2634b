# The narrow CPU counter of ./narrow_cpu_semi.py on its own, for
# labelled-only training.
_base_ = ['./narrow_cpu_semi.py']

model = dict(_delete_=True, **_base_.model.counter)
