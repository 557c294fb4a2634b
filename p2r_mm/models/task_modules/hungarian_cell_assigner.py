"""P2PNet's one-to-one matching of cells to points (ICCV 2021,
arXiv 2107.12746): the baseline P2R is compared against."""
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from torch import Tensor

from p2r_mm.registry import TASK_UTILS
from ..utils import cell_centers
from .base_cell_assigner import BaseCellAssigner
from .cell_targets import CellTargets


@TASK_UTILS.register_module()
class HungarianCellAssigner(BaseCellAssigner):
    """One-to-one Hungarian matching of cells to points.

    Per image, cells and points are matched one-to-one
    (``scipy.optimize.linear_sum_assignment``) under P2PNet's cost
    ``cost_point * d(c, k) - cost_class * sigmoid(logit(c))`` (d in
    pixels); matched cells are positives, owned by their point; every
    other cell is a negative without owner.

    The full (cells x points) cost matrix is built on the host per image:
    this is the cost the P2R assignment avoids, kept here as the baseline.

    Args:
        cost_point (float): weight of the distance (pixels) in the cost.
        cost_class (float): weight of the probability in the cost.
        ignore_unmatched (bool): give unmatched cells weight 0. This is how
            P2P treats pseudo-labelled images in the P2R paper's analysis:
            no "no head here" signal, which lets the model over-activate.
    """

    def __init__(self,
                 cost_point: float = 0.05,
                 cost_class: float = 1.0,
                 ignore_unmatched: bool = False) -> None:
        self.cost_point = float(cost_point)
        self.cost_class = float(cost_class)
        self.ignore_unmatched = bool(ignore_unmatched)

    @torch.no_grad()
    def match(self, logits: Tensor, points: Tensor, point_batch: Tensor,
              stride: int) -> CellTargets:
        B, h, w = logits.shape
        centers = cell_centers(h, w, stride, dtype=torch.float64).numpy()
        probs = logits.sigmoid().reshape(B, h * w).double().cpu().numpy()
        pts = points.double().cpu().numpy()
        batch = point_batch.cpu().numpy()
        owner = np.full(B * h * w, -1, dtype=np.int64)
        # Images have different numbers of points: one assignment each.
        for b in range(B):
            idx = np.flatnonzero(batch == b)
            if len(idx) == 0:
                continue
            # In place: at 2048x1536 / stride 4 with 1300 points this matrix
            # alone is 2 GB of float64.
            cost = cdist(centers, pts[idx])
            cost *= self.cost_point
            cost -= self.cost_class * probs[b][:, None]
            cell, k = linear_sum_assignment(cost)
            owner[b * h * w + cell] = idx[k]
        owner = torch.from_numpy(owner).to(logits.device)
        target = (owner >= 0).to(logits.dtype)
        weight = target.clone() if self.ignore_unmatched else None
        return CellTargets(target, owner, weight)
