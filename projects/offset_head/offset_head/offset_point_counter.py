"""A point counter whose test-time paths carry the offset channels."""
from typing import List, Sequence

import torch
from torch import Tensor

from p2r_mm.models.counters import (PointCounter, flip_averaged_logits,
                                    tiled_logits)
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from .offset_point_head import OffsetPointHead


@MODELS.register_module()
class OffsetPointCounter(PointCounter):
    """:class:`PointCounter` with an :class:`OffsetPointHead`.

    Training and the 'tensor' forward are the core counter's (the network
    gives (B, 3, h, w): logit, dx, dy). Only prediction differs, because
    the core's test-time paths handle a one-channel map:

    - ``test_cfg.tile``: each cell takes its logit *and* its offsets from
      the one tile the core's :func:`tiled_logits` trusts it to (tile
      origins are multiples of 32, so cells and offsets line up);
    - ``test_cfg.flip=True``: the logit channel is the core's flip average
      (:func:`flip_averaged_logits`, PixelShuffle blocks mirrored as a
      whole), so counts are those of the core flip TTA; the offsets are
      the unmirrored view's. The mirrored view's offsets are not averaged
      in: the core maps its heads back to the *same* sub-cell of the
      mirrored block (measured: the geometric mirror sub-cell puts heads
      one cell off), so its offsets (dx negated) are measured from another
      cell's centre than the one they are averaged into, and the offset
      at the geometric mirror cell is that of a cell the mirrored view did
      not fire at.

    ``predict_maps`` gives the (B, 3, h, w) maps prediction thresholds.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(self.head, OffsetPointHead):
            raise TypeError('OffsetPointCounter needs an OffsetPointHead, '
                            f'got {type(self.head).__name__}')
        self.head.offset_aware_counter = True

    def predict(self, inputs: Tensor,
                data_samples: Sequence[CrowdDataSample],
                rescale: bool = True) -> List[CrowdDataSample]:
        return self.head.predict_by_logits(self.predict_maps(inputs),
                                           data_samples, rescale)

    @torch.no_grad()
    def predict_maps(self, inputs: Tensor) -> Tensor:
        """(B, 3, H, W) preprocessed inputs -> (B, 3, H/s, W/s) maps as
        ``test_cfg`` says (see the class docstring)."""
        maps_fn = self._forward
        if self.test_cfg.get('tile') is not None:
            maps_fn = self.tiled_logits
        if not self.test_cfg.get('flip', False):
            return maps_fn(inputs)
        views = {}

        def logit_fn(x: Tensor) -> Tensor:
            maps = maps_fn(x)
            if x is inputs:
                views['identity'] = maps
            return maps[:, :1]

        logit = flip_averaged_logits(logit_fn, inputs, self.stride,
                                     self.head.sub_cells)
        return torch.cat([logit, views['identity'][:, 1:]], dim=1)

    @torch.no_grad()
    def tiled_logits(self, inputs: Tensor) -> Tensor:
        """The (B, 3, H/s, W/s) maps of a large input, tile by tile, with
        the core's :func:`tiled_logits` (which stitches one channel).

        The three channels travel as three batch copies: the core tiler
        sees a batch of 3B inputs (a stride-0 view when B = 1, no copy),
        each tile runs the network once on the first B and returns its
        channel c as copy c; the stitched copies are the channels again.
        """
        B = inputs.shape[0]
        stacked = (inputs.expand(3, -1, -1, -1) if B == 1 else
                   inputs.repeat(3, 1, 1, 1))

        def forward(tiles: Tensor) -> Tensor:
            maps = self._forward(tiles[:B])  # (B, 3, h, w)
            return maps.transpose(0, 1).reshape(3 * B, 1, *maps.shape[-2:])

        stitched = tiled_logits(forward, stacked, self.test_cfg['tile'],
                                self.stride)
        return stitched.reshape(3, B, *stitched.shape[-2:]).transpose(0, 1)
