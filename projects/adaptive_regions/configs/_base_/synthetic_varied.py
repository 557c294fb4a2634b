# A density/perspective-varied split of the synthetic crowd benchmark: the
# same generator, image sizes (256-512 px), split sizes and protocol, with
# wider scene ranges (SceneParams through the dataset's `scene=` option):
# target counts 3-3000 heads instead of 10-400 (a 256-512 px image holds up
# to ~600 once heads are kept apart), top-row head radius 1-3 px instead of
# 2.5-4 and bottom-row 4-24 px instead of 7-12 (bottom / top from ~1.3 to
# 24 instead of ~1.8 to 4.8, before the per-image style's own factors).
# Its own data_root, so it never replaces the standard data on disk. Leaf
# configs give these to every split: train (labelled and unlabelled), val
# and test.
varied_data = dict(
    data_root='data/synthetic_crowd_varied/',
    scene=dict(count_range=(3, 3000), radius_top=(1.0, 3.0),
               radius_bottom=(4.0, 24.0)))
