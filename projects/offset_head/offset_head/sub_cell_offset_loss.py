"""Smooth-L1 loss of predicted sub-cell offsets toward the assigned points."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from p2r_mm.models.task_modules import CellTargets
from p2r_mm.models.utils import cell_centers
from p2r_mm.registry import MODELS


@MODELS.register_module()
class SubCellOffsetLoss(nn.Module):
    """Smooth L1 between a positive cell's offset and (its point - its
    centre), on the positive cells of a point loss's assignment only.

    The point loss (P2R or P2P) gives every positive cell the point it is
    supervised for (``CellTargets.owner``); that point minus the cell's
    centre is the cell's offset target, in input pixels, clamped to the
    head's reach ``max_offset`` (a positive cell a whole cell or more from
    its point cannot predict it; the clamp keeps the target reachable).
    Cells that are not positive contribute nothing.

    A supervised cell's weight is ``CellTargets.weight`` (1 if None): the
    assigner's product of its point's weight (a pseudo-point's confidence:
    unconfident pseudo-points give no offset loss) and its pixel weight (0
    in a cutout). The loss is normalised as the point loss is (per image, a sum
    over cells divided by the number of cells ``h * w``, then the batch
    mean), so ``loss_weight`` weighs a positive cell's offset error
    against its BCE.

    Args:
        beta (float): smooth-L1 transition, input pixels.
        loss_weight (float): factor on the loss.
    """

    def __init__(self, beta: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        if beta <= 0:
            raise ValueError(f'beta must be positive (pixels), got {beta}')
        self.beta = float(beta)
        self.loss_weight = float(loss_weight)

    def forward(self,
                offsets: Tensor,
                targets: CellTargets,
                points: Tensor,
                stride: int,
                max_offset: float) -> Tensor:
        """
        Args:
            offsets (Tensor): (B, 2, h, w) predicted (dx, dy), input pixels.
            targets (CellTargets): the point loss's cell targets (its
                assigner's, weights included), flattened to (B * h * w,).
            points (Tensor): (P, 2) (x, y) input pixels, the batch's points
                concatenated in the order the point loss saw them.
            stride (int): input pixels per cell.
            max_offset (float): the head's offset bound, input pixels.

        Returns:
            Tensor: scalar loss.
        """
        if offsets.dim() != 4 or offsets.shape[1] != 2:
            raise ValueError('offsets must have shape (B, 2, h, w), got '
                             f'{tuple(offsets.shape)}')
        B, _, h, w = offsets.shape
        if targets.target.numel() != B * h * w:
            raise ValueError(f'the assignment covers {targets.target.numel()}'
                             f' cells, the offset map {B * h * w}')
        cells = ((targets.target > 0) &
                 (targets.owner >= 0)).nonzero(as_tuple=True)[0]
        owner = targets.owner[cells]
        points = points.reshape(-1, 2).to(offsets.device, torch.float32)
        centres = cell_centers(h, w, stride, offsets.device)
        wanted = (points[owner] - centres[cells % (h * w)]).clamp(
            -max_offset, max_offset)
        pred = offsets.permute(0, 2, 3, 1).reshape(B * h * w, 2)[cells]
        per_cell = F.smooth_l1_loss(pred.float(), wanted, beta=self.beta,
                                    reduction='none').sum(dim=1)
        weight = torch.ones_like(per_cell)
        if targets.weight is not None:
            weight = weight * targets.weight[cells].to(weight)
        per_image = per_cell.new_zeros(B).index_add(
            0, cells // (h * w), weight * per_cell) / (h * w)
        # `+ 0 * offsets.sum()`: a batch without positives still reaches
        # every offset parameter (DDP expects a gradient for each).
        return self.loss_weight * per_image.mean() + 0 * offsets.sum()
