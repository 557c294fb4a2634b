# Semi-supervised P2R on the synthetic benchmark (5 % labelled) with region
# bounds from each point's spacing (AdaptiveP2RLoss): same data, network,
# schedule and seeds as configs/p2r/synthetic_5pct.py. The head's loss is
# also the unlabelled branch's (SemiPointCounter uses the student head's
# loss when no unsup_loss is given), so pseudo-points get bounds from their
# own spacing.
_base_ = ['../../../configs/p2r/synthetic_5pct.py',
          './_base_/adaptive_bounds.py']
custom_imports = dict(imports=['projects.adaptive_regions.adaptive_regions'],
                      allow_failed_imports=False)
model = dict(counter=dict(head=dict(loss=_base_.adaptive_p2r_loss)))
