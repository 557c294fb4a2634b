"""Sliding-window prediction: where the tiles go, and the stitched maps.

Shared by :class:`PointCounter` and by the onnxruntime backend
(``p2r_mm.apis.OnnxCounter``), whose networks differ but tile alike; any
number of channels (every channel of a cell comes from the same tile).
"""
from typing import Callable, List, Optional, Tuple

import torch
from torch import Tensor


def tile_spans(length: int, size: int, overlap: int,
               align: int) -> List[Tuple[int, int, int, int]]:
    """Tiles covering ``[0, length)`` and the part each one is trusted for.

    Args:
        length (int): input length, pixels (a multiple of 32 after padding).
        size (int): tile length, pixels.
        overlap (int): minimum overlap of neighbouring tiles, pixels.
        align (int): the core boundaries are multiples of this (the output
            stride), so they fall between cells.

    Returns:
        list of (start, end, core_start, core_end): the tile
        ``[start, end)`` and its core ``[core_start, core_end)``. Cores
        partition ``[0, length)``: neighbouring tiles split their overlap
        at its (aligned) middle.
    """
    if length <= size:
        return [(0, length, 0, length)]
    step = size - overlap
    starts = list(range(0, length - size, step)) + [length - size]
    spans = []
    for k, start in enumerate(starts):
        end = start + size
        core_start = 0 if k == 0 else spans[-1][3]
        if k == len(starts) - 1:
            core_end = length
        else:
            # Middle of the overlap with the next tile.
            core_end = (starts[k + 1] + end) // 2 // align * align
        spans.append((start, end, core_start, core_end))
    return spans


def check_tile_cfg(tile: Optional[dict]) -> None:
    """Refuse a ``test_cfg.tile`` (``dict(size, overlap)``, pixels) that
    cannot tile a padded input; None (no tiling) passes."""
    if tile is None:
        return
    for key in ('size', 'overlap'):
        if tile[key] % 32:
            raise ValueError(f'test_cfg.tile.{key} must be a multiple'
                             f' of 32, got {tile[key]}')
    if not 0 <= tile['overlap'] < tile['size']:
        raise ValueError('test_cfg.tile.overlap must be at least 0 and '
                         'smaller than test_cfg.tile.size, got '
                         f"{tile['overlap']} and {tile['size']}")


@torch.no_grad()
def tiled_logits(forward: Callable[[Tensor], Tensor], inputs: Tensor,
                 tile: dict, stride: int) -> Tensor:
    """Maps (any number of channels) of a large input computed tile by
    tile.

    Tiles of ``tile['size']`` pixels overlap by ``tile['overlap']``; the
    overlap is split at its middle, so every cell takes its logit from
    exactly one tile (the one where it lies farther from the tile's
    border) and no head is counted twice. When half the overlap exceeds
    the network's receptive-field radius, the result equals whole-image
    prediction.

    Args:
        forward: (B, 3, h, w) inputs -> (B, C, h / stride, w / stride)
            maps.
        inputs (Tensor): (B, 3, H, W), H and W multiples of 32.
        tile (dict): ``size`` and ``overlap``, pixels.
        stride (int): the output stride of ``forward``.

    Returns:
        Tensor: (B, C, H / stride, W / stride) maps.
    """
    B, _, H, W = inputs.shape
    s = stride
    logits = None
    for y0, y1, cy0, cy1 in tile_spans(H, tile['size'], tile['overlap'], s):
        for x0, x1, cx0, cx1 in tile_spans(W, tile['size'], tile['overlap'],
                                           s):
            out = forward(inputs[:, :, y0:y1, x0:x1])
            if logits is None:  # the channels are known from the first tile
                logits = inputs.new_zeros(B, out.shape[1], H // s, W // s)
            logits[:, :, cy0 // s:cy1 // s, cx0 // s:cx1 // s] = \
                out[:, :, (cy0 - y0) // s:(cy1 - y0) // s,
                    (cx0 - x0) // s:(cx1 - x0) // s]
    return logits
