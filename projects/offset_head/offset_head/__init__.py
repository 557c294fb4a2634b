"""Sub-cell offsets for the P2R point counter: a head that predicts, per
cell, where in the cell's reach its head lies (see the project README)."""
from .cell_localization_metric import CellLocalizationMetric
from .offset_geometry import offsets_at_cells, points_to_original
from .offset_point_head import OffsetPointHead
from .sub_cell_offset_loss import SubCellOffsetLoss

__all__ = [
    'CellLocalizationMetric', 'OffsetPointHead', 'SubCellOffsetLoss',
    'offsets_at_cells', 'points_to_original'
]
