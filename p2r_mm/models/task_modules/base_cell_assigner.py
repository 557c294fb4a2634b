"""What every cell assigner shares: the call, the per-cell weights."""
from typing import Optional

import torch
from torch import Tensor

from .cell_targets import CellTargets


class BaseCellAssigner:
    """Assigns the cells of a batch of stride-s logit maps to points.

    Subclasses implement :meth:`match` (which cells are positives, which
    point each cell is assigned to, and cells to ignore);
    :meth:`assign` adds the weights every assigner applies alike:

    - a cell assigned to a point takes that point's weight (e.g. a
      pseudo-point's confidence);
    - a cell of an image *with* points takes its pixel weight (e.g. 0 in
      a cutout). Images without points take none: the official P2R loss
      (Elin24/P2RLoss ``losses/p2rloss.py``, branch ``seq.size(0) < 1``)
      takes no mask there, so an unlabelled crop where the teacher sees
      no head is pushed to "no head" everywhere, its cut-out part
      included.

    Assigners hold no parameters and no state between calls.
    """

    def match(self, logits: Tensor, points: Tensor, point_batch: Tensor,
              stride: int) -> CellTargets:
        """Positives and owners (and optionally an ignore weight).

        Args:
            logits (Tensor): (B, h, w) float, detached.
            points (Tensor): (P, 2) float (x, y) in input pixels, all
                images' points concatenated.
            point_batch (Tensor): (P,) long, the image of each point.
            stride (int): input pixels per cell.

        Returns:
            CellTargets: ``target``, ``owner`` and ``weight`` (None or
            the cells' own weights, before point and pixel weights).
        """
        raise NotImplementedError

    @torch.no_grad()
    def assign(self,
               logits: Tensor,
               points: Tensor,
               point_batch: Tensor,
               stride: int,
               point_weights: Optional[Tensor] = None,
               pixel_weights: Optional[Tensor] = None) -> CellTargets:
        """Cell targets of a batch.

        Args:
            logits, points, point_batch, stride: see :meth:`match`.
            point_weights (Tensor, optional): (P,) in [0, 1], one per point.
            pixel_weights (Tensor, optional): (B, h, w) or (B, 1, h, w) in
                [0, 1], one per cell.

        Returns:
            CellTargets: every field filled (``weight`` None only when no
            weight differs from 1 by construction).
        """
        B, h, w = logits.shape
        targets = self.match(logits, points, point_batch, stride)
        # index_fill, not bincount: bincount has no deterministic CUDA
        # kernel, so it would fail under deterministic training.
        empty = torch.ones(B, dtype=torch.bool,
                           device=logits.device).index_fill(
                               0, point_batch.to(logits.device), False)
        weight = targets.weight
        if point_weights is not None:
            owned = targets.owner >= 0
            base = (torch.ones_like(targets.target)
                    if weight is None else weight)
            weight = base.masked_scatter(
                owned, base[owned] *
                point_weights.to(base)[targets.owner[owned]])
        if pixel_weights is not None:
            pixel = pixel_weights.reshape(B, h * w).to(targets.target)
            pixel = torch.where(empty[:, None], 1.0, pixel).reshape(-1)
            weight = pixel if weight is None else weight * pixel
        return targets._replace(weight=weight, empty=empty)
