"""Cutout of the strong (student) view, with the box kept for the loss.

mmdet's ``CutOut`` draws fixed-ratio holes that may leave the image and
records nothing; the P2R loss needs the one box of each image to give its
cells weight 0 (see ``p2r_mm.models.utils.cutout_cell_weights``).
"""
from numbers import Number
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from p2r_mm.registry import TRANSFORMS
from .point_geometry import content_hw


@TRANSFORMS.register_module()
class RandomCutout(BaseTransform):
    """Fill one random rectangle of the image with ``fill``.

    The sides are drawn uniformly in ``side_range`` times the content
    width / height (``img_shape``, i.e. without right/bottom padding),
    truncated to whole pixels as the official P2R loader does
    (Elin24/P2RLoss ``datasets/shha.py``, ``int()``) and clamped to
    [1, side], so even a tiny image gets a box of at least one pixel; the
    position is uniform over the places where the box lies fully inside
    the content. Points are not touched: the cut-out heads still exist,
    the loss ignores the box.

    ``fill=None`` leaves the pixels as they are and only records the box:
    the official code blanks the box *after* normalisation (cut pixels are
    0, the mean colour), which ``SemiPointCounter`` does with
    ``semi_train_cfg.cutout_fill``; a uint8 fill cannot express that.

    Required keys: ``img`` (H, W[, C]). Modified: ``img`` (same shape and
    dtype). Added: ``cutout_box`` (x0, y0, x1, y1), int input pixels, x1
    and y1 exclusive.

    Args:
        side_range (tuple[float]): (low, high) of the box side as a
            fraction of the image side, 0 < low <= high <= 1. Defaults to
            (1/8, 1/4).
        fill (number | tuple | None): value of the cut pixels, one number
            or one per channel, or None to record the box only. Defaults
            to 0.
    """

    def __init__(self, side_range: Sequence[float] = (1 / 8, 1 / 4),
                 fill: Union[Number, Sequence[Number], None] = 0) -> None:
        low, high = (float(v) for v in side_range)
        if not 0 < low <= high <= 1:
            raise ValueError('side_range must satisfy 0 < low <= high <= 1, '
                             f'got {side_range}')
        self.side_range = (low, high)
        # configs may turn tuples into lists
        self.fill = tuple(fill) if isinstance(fill, list) else fill

    @cache_randomness
    def _random_box(self, w: int, h: int) -> Tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of a box inside a ``w`` x ``h`` image."""
        frac_w, frac_h = np.random.uniform(*self.side_range, size=2)
        box_w = int(np.clip(int(frac_w * w), 1, w))
        box_h = int(np.clip(int(frac_h * h), 1, h))
        x0 = int(np.random.randint(0, w - box_w + 1))
        y0 = int(np.random.randint(0, h - box_h + 1))
        return x0, y0, x0 + box_w, y0 + box_h

    def transform(self, results: dict) -> dict:
        h, w = content_hw(results)
        x0, y0, x1, y1 = self._random_box(w, h)
        if self.fill is not None:
            # a copy: never write into an array the caller may still hold
            img = results['img'].copy()
            img[y0:y1, x0:x1] = self.fill
            results['img'] = img
        results['cutout_box'] = (x0, y0, x1, y1)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(side_range={self.side_range}, '
                f'fill={self.fill})')
