"""The logit map a counter predicts from at test time: the whole input or
tile by tile, optionally averaged with that of the mirrored input.

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


@torch.no_grad()
def flip_averaged_logits(logits_fn: Callable[[Tensor], Tensor],
                         inputs: Tensor, stride: int) -> Tensor:
    """Horizontal-flip test-time augmentation: the mean of the logits of
    ``inputs`` and those of the mirrored ``inputs`` mirrored back, taken
    before any threshold.

    The mirror is that of the whole (padded) input, so cell ``j`` of a
    ``w``-cell row maps exactly onto cell ``w - 1 - j``: that needs an
    input width that is a multiple of ``stride`` (the data preprocessor
    pads to 32). The mirrored image's padding lies on its left; its cells
    map back onto the padding cells, which never count.

    Args:
        logits_fn: (B, 3, H, W) inputs -> (B, 1, H / stride, W / stride).
        inputs (Tensor): (B, 3, H, W), W a multiple of ``stride``.
        stride (int): input pixels per cell.

    Returns:
        Tensor: (B, 1, H / stride, W / stride) averaged logits.
    """
    width = inputs.shape[-1]
    if width % stride:
        raise ValueError(f'flip test-time augmentation needs an input width '
                         f'that is a multiple of the stride {stride}, got '
                         f'{width} (pad the input)')
    logits = logits_fn(inputs)
    mirrored = logits_fn(inputs.flip(-1)).flip(-1)
    return (logits + mirrored) / 2


def predict_logits(forward: Callable[[Tensor], Tensor], inputs: Tensor,
                test_cfg: dict, stride: int) -> Tensor:
    """The logits to threshold, as ``test_cfg`` says.

    Args:
        forward: the network, (B, 3, h, w) -> (B, 1, h / stride,
            w / stride) logits.
        inputs (Tensor): (B, 3, H, W) preprocessed inputs.
        test_cfg (dict): ``tile=dict(size, overlap)`` (pixels) predicts
            tile by tile (:func:`tiled_logits`); ``flip=True`` averages with
            the mirrored input (:func:`flip_averaged_logits`; with tiles,
            each view is tiled).
        stride (int): the output stride of ``forward``.

    Returns:
        Tensor: (B, 1, H / stride, W / stride) logits.
    """
    logits_fn = forward
    if test_cfg.get('tile') is not None:
        def logits_fn(x):
            return tiled_logits(forward, x, test_cfg['tile'], stride)
    if test_cfg.get('flip', False):
        return flip_averaged_logits(logits_fn, inputs, stride)
    return logits_fn(inputs)
