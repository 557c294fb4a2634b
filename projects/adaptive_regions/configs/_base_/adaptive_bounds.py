# configs/p2r/synthetic_5pct.py with the adaptive region bounds of
# AdaptiveP2RLoss (projects/adaptive_regions): per point, s = mean
# distance to its 3 nearest points of the same image; upper bound
# clamp(1.0 * s, 16, 96) px instead of P2R's 96, lower bound
# clamp(0.5 * s, 4, 8) px instead of its 8 (4 px: one cell pitch at stride
# 4). Points of an image with <= 3 points keep 8 / 96. Merged into the
# head's P2RLoss config, so cost_point, cost_class, pos_weight,
# empty_weight and the fixed 8 / 96 (the fallback) carry over unchanged.
# The head's loss is also the unlabelled branch's (SemiPointCounter uses
# the student head's loss when no unsup_loss is given), so pseudo-points
# get bounds from their own spacing.
_base_ = ['../../../../configs/p2r/synthetic_5pct.py']

model = dict(
    counter=dict(
        head=dict(
            loss=dict(
                type='AdaptiveP2RLoss',
                knn_k=3,
                upper_scale=1.0,
                upper_range=(16.0, 96.0),
                lower_scale=0.5,
                lower_range=(4.0, 8.0)))))
