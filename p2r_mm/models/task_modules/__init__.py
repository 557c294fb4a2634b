"""Task utilities (``TASK_UTILS``): cell assigners that turn points into
per-cell targets, shared by the point losses, the heads and PSAM."""
from .base_cell_assigner import BaseCellAssigner
from .cell_targets import CellTargets
from .hungarian_cell_assigner import HungarianCellAssigner
from .region_assigner import RegionAssigner, lowest_cost_cells

__all__ = [
    'BaseCellAssigner', 'CellTargets', 'HungarianCellAssigner',
    'RegionAssigner', 'lowest_cost_cells'
]
