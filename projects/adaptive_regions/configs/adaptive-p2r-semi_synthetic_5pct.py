# Semi-supervised P2R on the synthetic benchmark (5 % labelled) with region
# bounds from each point's spacing (AdaptiveP2RLoss, set in
# ./_base_/adaptive_bounds.py): same data, network, schedule and seeds as
# configs/p2r/synthetic_5pct.py.
_base_ = ['./_base_/adaptive_bounds.py']
custom_imports = dict(imports=['projects.adaptive_regions.adaptive_regions'],
                      allow_failed_imports=False)
