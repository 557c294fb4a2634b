# Semi-supervised P2R with adaptive region bounds on the density-varied
# synthetic split: the data of
# p2r-semi_synthetic-varied_5pct.py, the loss of
# adaptive-p2r-semi_synthetic_5pct.py.
_base_ = ['./p2r-semi_synthetic-varied_5pct.py',
          './_base_/adaptive_bounds.py']
custom_imports = dict(imports=['projects.adaptive_regions.adaptive_regions'],
                      allow_failed_imports=False)
model = dict(counter=dict(head=dict(loss=_base_.adaptive_p2r_loss)))
