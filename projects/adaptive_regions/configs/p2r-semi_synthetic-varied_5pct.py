# Core semi-supervised P2R (fixed 8 / 96 px bounds) on the density-varied
# synthetic split (./_base_/synthetic_varied.py): the reference of
# adaptive-p2r-semi_synthetic-varied_5pct.py. Only the data differs from
# configs/p2r/synthetic_5pct.py.
_base_ = ['./_base_/synthetic_varied.py']
