"""What P2RLoss and P2PLoss share: input checks, and the weighted per-cell
BCE that turns cell targets into a loss.

The two losses differ only in their assigner (a ``TASK_UTILS`` component,
see :mod:`p2r_mm.models.task_modules`), which gives every cell its target;
everything else lives here once.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from ..task_modules import BaseCellAssigner, CellTargets


class BasePointLoss(nn.Module):
    """Weighted BCE over the cells of a logit map, targets from points.

    Call signature (shared by every point loss):
    ``loss(logits, points, stride, point_weights=None, pixel_weights=None)``,
    which is :meth:`get_targets` (the assigner's :class:`CellTargets`)
    followed by :meth:`loss_by_targets`; a head that needs the targets
    too (e.g. for a regression of its own on the positives) calls the two
    itself, so the assignment runs once.

    Args:
        pos_weight (float): weight of a positive cell's BCE.
        empty_weight (float): factor on the mean BCE (all targets 0) of an
            image without points.
        loss_weight (float): factor on the batch mean.

    Per image, the cell weight is ``(pos_weight if positive else 1)
    * CellTargets.weight`` (the assigner's: the owner's point weight, the
    pixel weight on images with points, 0 for ignored cells) and the image
    loss is ``sum(weight * BCE) / (h * w)``. An image without points has
    the loss ``empty_weight * mean(BCE against 0)`` over every cell (the
    assigner applies no pixel weight there: see
    :class:`~p2r_mm.models.task_modules.BaseCellAssigner`). The result is
    ``loss_weight`` times the mean over the batch.

    Subclasses set ``self.assigner``.
    """

    assigner: BaseCellAssigner

    def __init__(self,
                 pos_weight: float = 2.0,
                 empty_weight: float = 0.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.pos_weight = float(pos_weight)
        self.empty_weight = float(empty_weight)
        self.loss_weight = float(loss_weight)

    def assign(self,
               logits: Tensor,
               points: Tensor,
               point_batch: Tensor,
               stride: int,
               point_weights: Optional[Tensor] = None,
               pixel_weights: Optional[Tensor] = None) -> CellTargets:
        """This loss's assigner on flat inputs (see
        :meth:`BaseCellAssigner.assign`).

        Args:
            logits (Tensor): (B, h, w), detached.
            points (Tensor): (P, 2) float (x, y) in input pixels, all images'
                points concatenated.
            point_batch (Tensor): (P,) long, the image of each point.
            stride (int): input pixels per cell.
            point_weights (Tensor, optional): (P,) in [0, 1].
            pixel_weights (Tensor, optional): (B, 1, h, w) in [0, 1].
        """
        return self.assigner.assign(logits, points, point_batch, stride,
                                    point_weights, pixel_weights)

    def get_targets(self,
                    logits: Tensor,
                    points: Sequence[Tensor],
                    stride: int,
                    point_weights: Optional[Sequence[Tensor]] = None,
                    pixel_weights: Optional[Tensor] = None) -> CellTargets:
        """The cell targets of a batch, inputs checked.

        Args:
            logits (Tensor): (B, 1, h, w), one logit per cell.
            points (list[Tensor]): B tensors (N_b, 2), (x, y) in input pixels;
                N_b may be 0.
            stride (int): input pixels per cell.
            point_weights (list[Tensor], optional): B tensors (N_b,) in
                [0, 1], the confidence of each point.
            pixel_weights (Tensor, optional): (B, 1, h, w) in [0, 1],
                applied to the images that have points.

        Returns:
            CellTargets: cells flattened to (B * h * w,); owners index the
            batch's points concatenated in image order.
        """
        self._check_inputs(logits, points, stride, point_weights,
                           pixel_weights)
        B, _, h, w = logits.shape
        device = logits.device
        counts = [len(p) for p in points]
        point_batch = torch.repeat_interleave(
            torch.arange(B, device=device),
            torch.tensor(counts, device=device))
        all_points = torch.cat([p.reshape(-1, 2) for p in points]).to(
            device=device, dtype=torch.float32)
        all_point_weights = None
        if point_weights is not None:
            all_point_weights = torch.cat(
                [pw.reshape(-1) for pw in point_weights]).to(device)
        # Target assignment in float32, whatever the logits' dtype (fp16
        # under --amp; the distances would overflow or mismatch).
        return self.assign(
            logits.detach().reshape(B, h, w).float(), all_points,
            point_batch, int(stride), all_point_weights, pixel_weights)

    def loss_by_targets(self, logits: Tensor,
                        targets: CellTargets) -> Tensor:
        """The weighted BCE of (B, 1, h, w) ``logits`` against
        ``targets`` (from :meth:`get_targets`, ``empty`` filled): a
        scalar."""
        B, _, h, w = logits.shape
        if targets.empty is None:
            raise ValueError('the cell targets do not say which images are '
                             'empty (CellTargets.empty is None): build them '
                             'with an assigner\'s assign()')
        # BCE in float32, whatever the logits' dtype (fp16 under --amp).
        flat_logits = logits.reshape(B * h * w).float()
        weight = torch.where(targets.target > 0,
                             flat_logits.new_tensor(self.pos_weight),
                             flat_logits.new_tensor(1.0))
        if targets.weight is not None:
            weight = weight * targets.weight
        bce = F.binary_cross_entropy_with_logits(
            flat_logits, targets.target, reduction='none')
        per_image = (weight * bce).reshape(B, h * w).sum(dim=1) / (h * w)
        per_image = torch.where(targets.empty, per_image * self.empty_weight,
                                per_image)
        return self.loss_weight * per_image.mean()

    def forward(self,
                logits: Tensor,
                points: Sequence[Tensor],
                stride: int,
                point_weights: Optional[Sequence[Tensor]] = None,
                pixel_weights: Optional[Tensor] = None) -> Tensor:
        """The loss: arguments of :meth:`get_targets`; returns a scalar."""
        return self.loss_by_targets(
            logits, self.get_targets(logits, points, stride, point_weights,
                                     pixel_weights))

    @staticmethod
    def _check_inputs(logits: Tensor, points: Sequence[Tensor], stride: int,
                      point_weights: Optional[Sequence[Tensor]],
                      pixel_weights: Optional[Tensor]) -> None:
        """Reject malformed inputs with a message that says what is wrong:
        a wrong shape or a NaN point would otherwise be silently
        mis-assigned."""
        if logits.dim() != 4 or logits.shape[1] != 1:
            raise ValueError('logits must have shape (B, 1, h, w), got '
                             f'{tuple(logits.shape)}')
        B = logits.shape[0]
        if B == 0 or logits.shape[2] == 0 or logits.shape[3] == 0:
            raise ValueError(f'logits are empty: {tuple(logits.shape)}')
        if int(stride) != stride or stride < 1:
            raise ValueError(
                f'stride must be a positive integer, got {stride}')
        if len(points) != B:
            raise ValueError(f'got {len(points)} point tensors for a batch '
                             f'of {B} images')
        for b, p in enumerate(points):
            if p.numel() and (p.dim() != 2 or p.shape[1] != 2):
                raise ValueError(f'points[{b}] must have shape (N, 2) (x, y),'
                                 f' got {tuple(p.shape)}')
        # Value checks run once on the whole batch (one device sync); the
        # culprit image is only looked for when a check fails.
        finite = _all_per_image(points, lambda p: torch.isfinite(p).all())
        bad = [b for b, ok in enumerate(finite) if not ok]
        if bad:
            raise ValueError(f'points[{bad[0]}] contains NaN or inf')
        if point_weights is not None:
            if len(point_weights) != B:
                raise ValueError(f'got {len(point_weights)} point_weights '
                                 f'tensors for a batch of {B} images')
            for b, (p, pw) in enumerate(zip(points, point_weights)):
                if pw.numel() != len(p):
                    raise ValueError(
                        f'point_weights[{b}] has {pw.numel()} values for '
                        f'{len(p)} points')
            in_range = _all_per_image(point_weights,
                                      lambda w: ((w >= 0) & (w <= 1)).all())
            bad = [b for b, ok in enumerate(in_range) if not ok]
            if bad:
                raise ValueError(f'point_weights[{bad[0]}] must lie in [0, 1] '
                                 '(NaN is not allowed)')
        if pixel_weights is not None:
            if tuple(pixel_weights.shape) != tuple(logits.shape):
                raise ValueError(
                    'pixel_weights must have the shape of logits '
                    f'{tuple(logits.shape)}, got {tuple(pixel_weights.shape)}')
            if not ((pixel_weights >= 0) & (pixel_weights <= 1)).all():
                raise ValueError('pixel_weights must lie in [0, 1] (NaN is '
                                 'not allowed)')


def _all_per_image(tensors: Sequence[Tensor], check) -> List[bool]:
    """``check`` (a tensor -> 0-dim bool tensor) of every tensor, fetched
    with a single device-to-host copy."""
    if not tensors:
        return []
    device = tensors[0].device
    return torch.stack([check(t).to(device) for t in tensors]).tolist()
