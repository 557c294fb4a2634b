"""What an assigner gives a point loss: the supervision of every cell."""
from typing import NamedTuple, Optional

from torch import Tensor


class CellTargets(NamedTuple):
    """Per-cell supervision of a batch of (h, w) maps, cells flattened
    row-major per image to (B * h * w,).

    Attributes:
        target (Tensor): (B * h * w,) float, 1. at positive cells, 0.
            elsewhere.
        owner (Tensor): (B * h * w,) long, index (into the batch's
            concatenated points) of the point a cell is assigned to, -1
            for none.
        weight (Tensor, optional): (B * h * w,) float, the cell's weight
            from the assignment (its owner's point weight, its pixel
            weight, 0 for cells the assigner ignores); None means 1
            everywhere. A loss's own factors (e.g. a positive's
            ``pos_weight``) come on top.
        empty (Tensor, optional): (B,) bool, the images without points
            (a loss may treat them apart); None when not computed.
    """
    target: Tensor
    owner: Tensor
    weight: Optional[Tensor] = None
    empty: Optional[Tensor] = None
