"""Point-to-point loss: the one-to-one matching baseline P2R is compared
against (P2PNet's matcher, ICCV 2021, arXiv 2107.12746)."""
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from torch import Tensor

from p2r_mm.registry import MODELS
from ..utils import cell_centers
from .point_loss_base import BasePointLoss, CellTargets


@MODELS.register_module()
class P2PLoss(BasePointLoss):
    """One-to-one Hungarian matching of cells to points.

    Per image, cells and points are matched one-to-one
    (``scipy.optimize.linear_sum_assignment``) under P2PNet's cost
    ``cost_point * d(c, k) - cost_class * sigmoid(logit(c))``; matched cells
    are positives, every other cell a negative, with the weights of
    :class:`BasePointLoss`.

    The full (cells x points) cost matrix is built on the host per image:
    this is the cost the P2R loss avoids, kept here as the baseline.

    Args:
        cost_point (float): weight of the distance (pixels) in the cost.
        cost_class (float): weight of the probability in the cost.
        ignore_unmatched (bool): give unmatched cells weight 0. This is how
            P2P treats pseudo-labelled images in the P2R paper's analysis:
            no "no head here" signal, which lets the model over-activate.
        pos_weight, empty_weight, loss_weight: see :class:`BasePointLoss`.
    """

    def __init__(self,
                 cost_point: float = 0.05,
                 cost_class: float = 1.0,
                 ignore_unmatched: bool = False,
                 pos_weight: float = 2.0,
                 empty_weight: float = 0.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__(pos_weight, empty_weight, loss_weight)
        self.cost_point = float(cost_point)
        self.cost_class = float(cost_class)
        self.ignore_unmatched = bool(ignore_unmatched)

    @torch.no_grad()
    def assign(self, logits: Tensor, points: Tensor, point_batch: Tensor,
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
        matched = owner >= 0
        target = matched.to(logits.dtype)
        weight = target.clone() if self.ignore_unmatched else None
        return CellTargets(target, owner, weight)
