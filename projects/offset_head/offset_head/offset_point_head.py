"""The P2R point head plus a bounded sub-cell offset per cell."""
from typing import Dict, List, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from p2r_mm.models.heads import PointClassificationHead
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from .assignment_record import recorded_assignment
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

    Training (``loss``): the point loss on channel 0 exactly as the core
    head computes it (``loss_point``), and ``offset_loss`` on channels 1-2
    over the positives of that same assignment (``loss_offset``), recorded
    from the point loss's ``assign`` (see :func:`recorded_assignment`).

    Use it in an :class:`OffsetPointCounter`: the core counter's flip and
    tile test-time paths handle one channel and would average or refuse
    the offsets (``predict_by_logits`` refuses to run otherwise).

    Args:
        offset_reach (float): offset bound in cells (> 0).
        offset_loss (dict): the offset loss, ``SubCellOffsetLoss``.
        **kwargs: :class:`PointClassificationHead`'s arguments.
    """

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
        #: Set by :class:`OffsetPointCounter`, whose test-time paths carry
        #: the offset channels (see ``predict_by_logits``).
        self.offset_aware_counter = False

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, h', w') features -> (B, 3, h' * u, w' * u): the logit,
        then (dx, dy) in input pixels, each in (-max_offset, max_offset)."""
        feat = self.convs(x)
        # The core head's logit (its forward, on the shared features).
        two = self.shuffle(self.cls(feat))
        offsets = self.max_offset * torch.tanh(
            self.shuffle(self.offset(feat)))
        return torch.cat([two[:, 1:2] - two[:, 0:1], offsets], dim=1)

    def loss_by_logits(self, logits: Tensor,
                       data_samples: Sequence[CrowdDataSample]
                       ) -> Dict[str, Tensor]:
        """``loss_point`` (the core point loss of channel 0 against the
        samples' ``gt_points``) and ``loss_offset``.

        Args:
            logits (Tensor): (B, 3, h, w) from :meth:`forward`.
        """
        self._check_maps(logits)
        with recorded_assignment(self.loss_fn) as record:
            losses = super().loss_by_logits(logits[:, :1], data_samples)
        points = torch.cat([s.gt_points.reshape(-1, 2) for s in data_samples])
        losses['loss_offset'] = self.offset_loss(
            logits[:, 1:], record.targets, points, self.stride,
            self.max_offset)
        return losses

    @torch.no_grad()
    def predict_by_logits(self, logits: Tensor,
                          data_samples: Sequence[CrowdDataSample],
                          rescale: bool = True) -> List[CrowdDataSample]:
        """Fill ``pred_points`` (refined: cell centre + offset),
        ``pred_cell_points`` (the cell centres alone, the core head's
        points), ``pred_count`` and ``pred_logits`` (1, h, w).

        Cells are selected exactly as the core head selects them (its
        ``predict_by_logits`` on channel 0); both point sets are then
        mapped to the original image as it maps its points.

        Args:
            logits (Tensor): (B, 3, h, w), channel 0 the logit.
        """
        if not self.offset_aware_counter:
            raise RuntimeError(
                'OffsetPointHead predicts through an OffsetPointCounter '
                "(model type='OffsetPointCounter'): the core counter's "
                'flip / tile test-time paths would average or drop the '
                'offset channels')
        self._check_maps(logits)
        super().predict_by_logits(logits[:, :1], data_samples,
                                  rescale=False)
        map_size = tuple(logits.shape[-2:])
        for maps, sample in zip(logits, data_samples):
            centres = sample.pred_points
            refined = centres + offsets_at_cells(maps[1:], centres,
                                                 self.stride).to(centres)
            sample.pred_points = points_to_original(
                refined, sample, map_size, self.stride, rescale)
            sample.pred_cell_points = points_to_original(
                centres, sample, map_size, self.stride, rescale)
        return list(data_samples)

    @staticmethod
    def _check_maps(logits: Tensor) -> None:
        if logits.dim() != 4 or logits.shape[1] != 3:
            raise ValueError(
                'OffsetPointHead expects (B, 3, h, w) maps (logit, dx, dy), '
                f'got {tuple(logits.shape)}: a one-channel logit map has no '
                'offsets (the core onnxruntime backend and one-channel '
                'tools do not carry them)')
