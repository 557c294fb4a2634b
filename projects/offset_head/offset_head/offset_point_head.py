"""The P2R point head plus a bounded sub-cell offset per cell."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from p2r_mm.models.heads import PointClassificationHead
from p2r_mm.models.losses import BasePointLoss
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from .offset_geometry import offsets_at_cells, points_to_original


@MODELS.register_module()
class OffsetPointHead(PointClassificationHead):
    """:class:`PointClassificationHead` whose cells also say where their
    head lies: (dx, dy) from the cell's centre, in input pixels.

    A 3x3 conv to ``2 * u * u`` channels on the head's hidden features and
    the same PixelShuffle(u) give, per output cell,
    ``(dx, dy) = max_offset * tanh(raw)`` with
    ``max_offset = offset_reach * stride``. The conv starts at zero, so an
    untrained offset branch predicts the cell centre (the core head's
    point). ``forward`` returns (B, 3, h, w): channel 0 is the core head's
    logit (unchanged, so everything that reads channel 0 keeps working),
    channels 1-2 the offsets (dx, dy). A predicted point is its cell's
    centre plus its offset.

    Why ``offset_reach=1`` (one cell, 4 px at stride 4) and not half a
    cell: a point's P2R positive is the cell of lowest cost
    ``cost_point * d / radius - cost_class * logit`` in its region, which
    with radii of 8-96 px is often a neighbour of the cell holding the
    point (the logit term outweighs a cell's distance); half a cell would
    leave those positives unable to reach their point. One cell keeps a
    refined point in its cell's 3x3 neighbourhood, so it never wanders
    into another head's region.

    Training (``loss_by_feat``, labels or pseudo-points alike): the point
    loss on channel 0 exactly as the core head computes it
    (``loss_point``), and ``offset_loss`` on channels 1-2 over the
    positives of that same assignment (``loss_offset``): the head asks the
    point loss for its cell targets (``get_targets``, its assigner) once
    and gives them to both losses.

    Prediction, pseudo-labels, tiling and flip test-time augmentation go
    through the core counters (``PointCounter``, ``SemiPointCounter``):
    the cells are selected from channel 0 as the core selects them, and
    each point is placed at its cell's centre plus its offset. Under flip
    TTA (:meth:`merge_flipped`) the logit is the core's flip average and
    the offsets are the unmirrored view's: the core maps the mirrored
    view's heads back to the *same* sub-cell of the mirrored block
    (measured: the geometric mirror sub-cell puts heads one cell off), so
    its offsets (dx negated) are measured from another cell's centre than
    the one they would be averaged into.

    Args:
        offset_reach (float): offset bound in cells (> 0).
        offset_loss (dict): the offset loss, ``SubCellOffsetLoss``.
        **kwargs: :class:`PointClassificationHead`'s arguments.
    """

    #: Channels of the maps :meth:`forward` returns: logit, dx, dy.
    num_channels = 3

    def __init__(self,
                 offset_reach: float = 1.0,
                 offset_loss: dict = dict(type='SubCellOffsetLoss'),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not offset_reach > 0:
            raise ValueError(
                f'offset_reach must be positive (cells), got {offset_reach}')
        u = self.sub_cells
        self.offset = nn.Conv2d(self.cls.in_channels, 2 * u * u, 3,
                                padding=1)
        nn.init.zeros_(self.offset.weight)
        nn.init.zeros_(self.offset.bias)
        self.max_offset = float(offset_reach) * self.stride
        self.offset_loss = MODELS.build(offset_loss)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, h', w') features -> (B, 3, h' * u, w' * u): the logit,
        then (dx, dy) in input pixels, each in (-max_offset, max_offset)."""
        feat = self.convs(x)
        # The core head's logit (its forward, on the shared features).
        two = self.shuffle(self.cls(feat))
        offsets = self.max_offset * torch.tanh(
            self.shuffle(self.offset(feat)))
        return torch.cat([two[:, 1:2] - two[:, 0:1], offsets], dim=1)

    def loss_by_feat(self,
                     maps: Tensor,
                     points: Sequence[Tensor],
                     point_weights: Optional[Sequence[Tensor]] = None,
                     pixel_weights: Optional[Tensor] = None,
                     loss_fn: Optional[BasePointLoss] = None
                     ) -> Dict[str, Tensor]:
        """``loss_point`` (the core point loss of channel 0) and
        ``loss_offset`` (the offset loss on the positives of the same
        cell targets, toward their points; a cell's weight there is its
        target weight: its point's weight, 0 for an unconfident
        pseudo-point, and its pixel weight, 0 in a cutout).

        Args:
            maps (Tensor): (B, 3, h, w) from :meth:`forward`.
            points, point_weights, pixel_weights, loss_fn: see
                :meth:`PointClassificationHead.loss_by_feat`.
        """
        self._check_maps(maps)
        loss_fn = self.loss_fn if loss_fn is None else loss_fn
        if not isinstance(loss_fn, BasePointLoss):
            raise TypeError('offsets need a point loss built on '
                            'BasePointLoss (P2RLoss, P2PLoss, ...), whose '
                            'cell targets they train on; got '
                            f'{type(loss_fn).__name__}')
        logits = maps[:, :1]
        targets = loss_fn.get_targets(logits, points, self.stride,
                                      point_weights, pixel_weights)
        all_points = torch.cat([p.reshape(-1, 2) for p in points])
        return dict(
            loss_point=loss_fn.loss_by_targets(logits, targets),
            loss_offset=self.offset_loss(maps[:, 1:], targets, all_points,
                                         self.stride, self.max_offset))

    @torch.no_grad()
    def predict_by_feat(self, maps: Tensor,
                        data_samples: Sequence[CrowdDataSample],
                        rescale: bool = True) -> List[CrowdDataSample]:
        """Fill ``pred_points`` (refined: cell centre + offset),
        ``pred_cell_points`` (the cell centres alone, the core head's
        points), ``pred_count`` and ``pred_logits`` (1, h, w).

        Cells are selected exactly as the core head selects them (its
        ``predict_by_feat`` on channel 0); both point sets are then
        mapped to the original image as it maps its points.

        Args:
            maps (Tensor): (B, 3, h, w), channel 0 the logit.
        """
        self._check_maps(maps)
        super().predict_by_feat(maps[:, :1], data_samples, rescale=False)
        map_size = tuple(maps.shape[-2:])
        for sample_maps, sample in zip(maps, data_samples):
            centres = sample.pred_points
            refined = centres + offsets_at_cells(
                sample_maps[1:], centres, self.stride).to(centres)
            sample.pred_points = points_to_original(
                refined, sample, map_size, self.stride, rescale)
            sample.pred_cell_points = points_to_original(
                centres, sample, map_size, self.stride, rescale)
        return list(data_samples)

    @torch.no_grad()
    def pseudo_points_by_feat(
            self,
            maps: Tensor,
            img_shapes: Sequence[Tuple[int, int]],
            logit_thr: float = 0.0,
            confidence_thr: float = 0.7) -> Tuple[List[Tensor], List[Tensor]]:
        """The core head's pseudo-points (its cells and binary
        confidences, from channel 0), each placed at its cell centre plus
        this (teacher's) offset there.

        Args:
            maps (Tensor): (B, 3, h, w) teacher logit and offsets.
            img_shapes, logit_thr, confidence_thr: see
                :meth:`PointClassificationHead.pseudo_points_by_feat`.

        Returns:
            tuple[list[Tensor], list[Tensor]]: per image, points (N, 2)
            (x, y) in input pixels and confidences (N,) in {0, 1}.
        """
        self._check_maps(maps)
        centres, confidences = super().pseudo_points_by_feat(
            maps, img_shapes, logit_thr, confidence_thr)
        points = [
            c + offsets_at_cells(m[1:], c, self.stride).to(c)
            for c, m in zip(centres, maps)
        ]
        return points, confidences

    def merge_flipped(self, maps: Tensor, mirrored: Tensor) -> Tensor:
        """Flip TTA: the core's mean of the two logits; the offsets of the
        unmirrored view (see the class docstring). Both (B, 3, h, w)."""
        return torch.cat([(maps[:, :1] + mirrored[:, :1]) / 2, maps[:, 1:]],
                         dim=1)

    def _check_maps(self, maps: Tensor) -> None:
        if maps.dim() != 4 or maps.shape[1] != self.num_channels:
            raise ValueError(
                'OffsetPointHead expects (B, 3, h, w) maps (logit, dx, dy), '
                f'got {tuple(maps.shape)}: a one-channel logit map has no '
                'offsets (the core onnxruntime backend and one-channel '
                'tools do not carry them)')
