# Semi-supervised P2R on the synthetic benchmark (5 % labelled) with
# sub-cell offsets: same data, network, schedule and seeds. Pseudo-points
# are placed by the teacher's offsets; offsets are learned on labelled
# positives and on confident pseudo-points. loc/ scores the refined
# points, loc_cells/ the cell centres alone.
_base_ = ['../../../configs/p2r/synthetic_5pct.py']
custom_imports = dict(imports=['projects.offset_head.offset_head'],
                      allow_failed_imports=False)
model = dict(
    counter=dict(
        head=dict(type='OffsetPointHead', offset_reach=1.0,
                  offset_loss=dict(type='SubCellOffsetLoss', beta=1.0,
                                   loss_weight=1.0))))
val_evaluator = [*_base_.val_evaluator, dict(type='CellLocalizationMetric')]
test_evaluator = val_evaluator
