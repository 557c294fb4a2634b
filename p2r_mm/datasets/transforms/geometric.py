"""Point-aware geometric transforms: resize, random scale + crop (padded
where the crop is larger than the image), flip.

They choose parameters (at random through ``cache_randomness``, so that
mmcv's ``cache_random_params`` can replay them); the pixel and point work
is in :mod:`.point_geometry`. Each works on unlabelled images too (no
``gt_points``, or ``has_gt=False``): then only the image changes.
"""
from numbers import Number
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from p2r_mm.registry import TRANSFORMS
from .point_geometry import crop, hflip, pad_to, rescale


def _pad_value(pad_val):
    # mmcv.impad wants a number or a tuple; configs may turn tuples to lists
    return tuple(pad_val) if isinstance(pad_val, list) else pad_val


@TRANSFORMS.register_module()
class ResizeLongSide(BaseTransform):
    """Downscale so that the long side is at most ``max_size`` pixels.

    Images already small enough are left as they are (never upscaled); this
    is the usual preprocessing of crowd counting for very large images.

    Required keys: ``img``. Modified: ``img``, ``img_shape``,
    ``scale_factor``, ``gt_points``, ``gt_head_sizes`` (when present).

    Args:
        max_size (int): largest allowed side in pixels. Defaults to 2048.
        interpolation (str): mmcv.imresize interpolation. Defaults to
            'bilinear'.
    """

    def __init__(self, max_size: int = 2048,
                 interpolation: str = 'bilinear') -> None:
        if max_size < 1:
            raise ValueError(f'max_size must be >= 1, got {max_size}')
        self.max_size = int(max_size)
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        factor = self.max_size / max(h, w)
        if factor < 1:
            size = (max(1, min(self.max_size, round(w * factor))),
                    max(1, min(self.max_size, round(h * factor))))
            rescale(results, size, self.interpolation)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_size={self.max_size}, '
                f"interpolation='{self.interpolation}')")


@TRANSFORMS.register_module()
class RandomScaleCrop(BaseTransform):
    """Rescale by a random factor, then cut a random ``crop_size`` window.

    Where the rescaled image is smaller than the crop it is padded with
    ``pad_val`` at the right/bottom, so the output is always ``crop_size``.
    Points are rescaled, shifted and kept iff they round to a pixel of the
    window; ``gt_head_sizes`` rows follow the points.

    Required keys: ``img``. Modified: ``img`` (crop_h, crop_w, C),
    ``img_shape`` (real content inside the crop, (h, w); smaller than the
    crop where it was padded), ``scale_factor``, ``gt_points``,
    ``gt_head_sizes``. Added: ``crop_box`` (x0, y0, x1, y1) in pixels of
    the rescaled image, x1/y1 exclusive, ``pad_shape`` (crop_h, crop_w).

    Args:
        scale_range (tuple[float]): (low, high) of the uniform scale
            factor. Defaults to (0.7, 1.3).
        crop_size (int | tuple[int]): (w, h) of the output in pixels, as
            in mmdet's RandomCrop; an int means a square. Defaults to
            (256, 256).
        pad_val (number | tuple): fill value of the padding. Defaults to 0.
        interpolation (str): mmcv.imresize interpolation. Defaults to
            'bilinear'.
    """

    def __init__(self,
                 scale_range: Tuple[float, float] = (0.7, 1.3),
                 crop_size: Union[int, Sequence[int]] = (256, 256),
                 pad_val: Union[Number, Sequence[Number]] = 0,
                 interpolation: str = 'bilinear') -> None:
        low, high = (float(v) for v in scale_range)
        if not 0 < low <= high:
            raise ValueError(
                f'scale_range must satisfy 0 < low <= high, got {scale_range}')
        if isinstance(crop_size, Number):
            crop_size = (crop_size, crop_size)
        crop_w, crop_h = (int(v) for v in crop_size)
        if crop_w < 1 or crop_h < 1:
            raise ValueError(f'crop_size must be positive, got {crop_size}')
        self.scale_range = (low, high)
        self.crop_size = (crop_w, crop_h)
        self.pad_val = _pad_value(pad_val)
        self.interpolation = interpolation

    @cache_randomness
    def _random_scale(self) -> float:
        return float(np.random.uniform(*self.scale_range))

    @cache_randomness
    def _random_offset(self, margin_w: int, margin_h: int) -> Tuple[int, int]:
        """(x0, y0), uniform over the valid integer offsets."""
        return (int(np.random.randint(0, margin_w + 1)),
                int(np.random.randint(0, margin_h + 1)))

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        scale = self._random_scale()
        new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
        rescale(results, (new_w, new_h), self.interpolation)

        crop_w, crop_h = self.crop_size
        # cropping to the part of the window that exists and padding
        # afterwards equals padding first and cropping: offsets are 0 along
        # a side shorter than the crop
        x0, y0 = self._random_offset(
            max(new_w - crop_w, 0), max(new_h - crop_h, 0))
        crop(results, (x0, y0, min(x0 + crop_w, new_w),
                       min(y0 + crop_h, new_h)))
        pad_to(results, (crop_h, crop_w), self.pad_val)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale_range={self.scale_range}, '
                f'crop_size={self.crop_size}, pad_val={self.pad_val}, '
                f"interpolation='{self.interpolation}')")


@TRANSFORMS.register_module()
class PointRandomFlip(BaseTransform):
    """Mirror image and points left-right with probability ``prob``.

    A point moves as ``x -> w - 1 - x``, w the content width (``img_shape``);
    right/bottom padding, if any, stays in place.

    Required keys: ``img``. Modified: ``img``, ``gt_points``, ``flip``
    (bool, toggled so that two flips read as none), ``flip_direction``
    ('horizontal' or None).

    Args:
        prob (float): flip probability in [0, 1]. Defaults to 0.5.
    """

    # Not mmcv's RandomFlip: it maps keypoints w - x and ignores gt_points.

    def __init__(self, prob: float = 0.5) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = float(prob)

    @cache_randomness
    def _random_flip(self) -> bool:
        return bool(np.random.rand() < self.prob)

    def transform(self, results: dict) -> dict:
        if self._random_flip():
            hflip(results)
            results['flip'] = not results.get('flip', False)
        else:
            results.setdefault('flip', False)
        results['flip_direction'] = (
            'horizontal' if results['flip'] else None)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'
