"""The maps a counter predicts from at test time: the whole input or tile
by tile, optionally merged with those of the mirrored input.

Any number of channels: how the two views of flip test-time augmentation
merge is the head's (``merge_flipped``), everything else is per cell.
Shared by :class:`PointCounter` and by the onnxruntime backend
(``p2r_mm.apis.OnnxCounter``), so both read ``test_cfg`` alike.
"""
from typing import Callable, Optional

import torch
from torch import Tensor

from .tiling import check_tile_cfg, tiled_logits

TEST_CFG_KEYS = ('tile', 'flip')


def check_test_cfg(test_cfg: Optional[dict]) -> None:
    """Refuse a ``test_cfg`` the counters cannot apply: unknown keys, a
    bad ``tile`` (see :func:`check_tile_cfg`), a non-boolean ``flip``."""
    test_cfg = test_cfg or {}
    unknown = sorted(set(test_cfg) - set(TEST_CFG_KEYS))
    if unknown:
        raise ValueError(f'test_cfg: unknown keys {unknown}; known: '
                         f'{list(TEST_CFG_KEYS)}')
    check_tile_cfg(test_cfg.get('tile'))
    if not isinstance(test_cfg.get('flip', False), bool):
        raise ValueError('test_cfg.flip must be True or False, got '
                         f'{test_cfg["flip"]!r}')


def mirror_cells(logits: Tensor, block: int = 1) -> Tensor:
    """Mirror a (B, C, h, w) map along w by blocks of ``block`` columns,
    each block keeping its inner order (``block=1``: a plain mirror)."""
    b, c, h, w = logits.shape
    if w % block:
        raise ValueError(f'map width {w} is not a multiple of {block}')
    return logits.reshape(b, c, h, w // block, block).flip(-2).reshape(
        b, c, h, w)


@torch.no_grad()
def flip_averaged_logits(logits_fn: Callable[[Tensor], Tensor],
                         inputs: Tensor,
                         stride: int,
                         sub_cells: int = 1,
                         merge: Optional[Callable[[Tensor, Tensor],
                                                  Tensor]] = None) -> Tensor:
    """Horizontal-flip test-time augmentation: the maps of ``inputs`` and
    those of the mirrored ``inputs`` mapped back, merged by ``merge``
    (default: their mean, taken before any threshold).

    The mirror is that of the whole (padded) input (the data preprocessor
    pads to 32), so the decoder cell ``k`` of a ``K``-cell row maps exactly
    onto decoder cell ``K - 1 - k``; the mirrored image's padding lies on
    its left and maps back onto the padding cells, which never count.

    Within a decoder cell, the ``sub_cells`` x ``sub_cells`` output cells
    of the head's PixelShuffle are channels of that cell, and a mirror
    does not swap them: mapping them back cell by cell (``sub_cells=1``)
    puts every head one cell off, and on trained synthetic models the
    averaged map then keeps no head at all (measured), while mapping
    decoder cells as blocks lines the two maps up (correlation 0.97 on the
    same model). So the blocks are mirrored, their inner order kept.

    Args:
        logits_fn: (B, 3, H, W) inputs -> (B, C, H / stride, W / stride).
        inputs (Tensor): (B, 3, H, W), W a multiple of
            ``stride * sub_cells``.
        stride (int): input pixels per cell.
        sub_cells (int): output cells per decoder cell along a row (the
            head's ``sub_cells``).
        merge (callable, optional): (maps, mirrored maps mapped back) ->
            merged maps, the head's ``merge_flipped``; None averages.

    Returns:
        Tensor: (B, C, H / stride, W / stride) merged maps.
    """
    width = inputs.shape[-1]
    if width % (stride * sub_cells):
        raise ValueError(f'flip test-time augmentation needs an input width '
                         f'that is a multiple of {stride * sub_cells} (the '
                         f'decoder stride), got {width} (pad the input)')
    logits = logits_fn(inputs)
    mirrored = mirror_cells(logits_fn(inputs.flip(-1)), sub_cells)
    if merge is None:
        return (logits + mirrored) / 2
    return merge(logits, mirrored)


def predict_logits(forward: Callable[[Tensor], Tensor],
                   inputs: Tensor,
                   test_cfg: dict,
                   stride: int,
                   sub_cells: int = 1,
                   merge_flipped: Optional[Callable[[Tensor, Tensor],
                                                    Tensor]] = None
                   ) -> Tensor:
    """The maps to threshold, as ``test_cfg`` says.

    Args:
        forward: the network, (B, 3, h, w) -> (B, C, h / stride,
            w / stride) maps.
        inputs (Tensor): (B, 3, H, W) preprocessed inputs.
        test_cfg (dict): ``tile=dict(size, overlap)`` (pixels) predicts
            tile by tile (:func:`tiled_logits`); ``flip=True`` merges with
            the mirrored input (:func:`flip_averaged_logits`, through the
            head's ``merge_flipped``; None: their mean; with tiles, each
            view is tiled).
        stride (int): the output stride of ``forward``.
        sub_cells (int): output cells per decoder cell along a row (see
            :func:`flip_averaged_logits`).
        merge_flipped (callable, optional): how the two flip views merge,
            the head's ``merge_flipped`` (None averages).

    Returns:
        Tensor: (B, C, H / stride, W / stride) maps.
    """
    logits_fn = forward
    if test_cfg.get('tile') is not None:
        def logits_fn(x):
            return tiled_logits(forward, x, test_cfg['tile'], stride)
    if test_cfg.get('flip', False):
        return flip_averaged_logits(logits_fn, inputs, stride, sub_cells,
                                    merge_flipped)
    return logits_fn(inputs)
