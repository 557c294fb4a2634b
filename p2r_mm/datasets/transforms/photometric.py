"""Photometric transforms of the strong (student) view: colour jitter and
Gaussian blur.

They change pixel values only, never positions: points, shapes and every
geometric key stay as they are, so the weak and strong views of an image
keep identical geometry. Only the content region (``img_shape``) is
changed; right/bottom padding keeps its fill value, as in ``hflip``.

Grayscale and "apply with probability p" are mmcv's ``RandomGrayscale``
and ``RandomApply``. mmdet's ``Brightness``/``Contrast``/``Color`` have no
hue and truncate after every step, and its ``PhotoMetricDistortion`` has
other (additive, HSV-degree) semantics, hence :class:`ColorJitter`.
"""
import math
from numbers import Number
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from p2r_mm.registry import TRANSFORMS
from .point_geometry import content_hw

Range = Union[float, Sequence[float]]

# ITU-R 601 luma weights in BGR order, as torchvision's rgb_to_grayscale
_GRAY_BGR = np.array([0.114, 0.587, 0.299], np.float32)


def gray(img: np.ndarray) -> np.ndarray:
    """(H, W) float32 luma of an (H, W, 3) BGR or (H, W[, 1]) image."""
    if img.ndim == 3 and img.shape[2] == 3:
        return img.astype(np.float32) @ _GRAY_BGR
    return img.reshape(img.shape[:2]).astype(np.float32)


def shift_hue(img: np.ndarray, turns: float) -> np.ndarray:
    """Rotate the hue of an (H, W, 3) BGR float image in [0, 255] by
    ``turns`` of a full circle (0.5 = complementary colours).

    Float HSV (H in degrees) keeps the round trip exact to float
    precision, unlike the 8-bit HSV of ``mmcv.adjust_hue``, whose hue has
    256 levels and which mishandles negative shifts.
    """
    hsv = cv2.cvtColor(img.astype(np.float32) / 255, cv2.COLOR_BGR2HSV)
    hsv[..., 0] = np.mod(hsv[..., 0] + 360.0 * turns, 360.0)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR) * 255


def _factor_range(value: Range, name: str, centre: float,
                  bound: Tuple[float, float]) -> Optional[Tuple[float, float]]:
    """torchvision's reading of a jitter argument: a number v means
    [centre - v, centre + v] cut to ``bound``, a pair is (low, high).
    None when the range is the identity (the operation is skipped)."""
    if isinstance(value, Number):
        if value < 0:
            raise ValueError(f'{name} must be non-negative, got {value}')
        low, high = max(centre - value, bound[0]), centre + value
    else:
        low, high = (float(v) for v in value)
    if not bound[0] <= low <= high <= bound[1]:
        raise ValueError(
            f'{name} range must lie in {list(bound)}, got {value}')
    if low == high == centre:
        return None
    return float(low), float(high)


@TRANSFORMS.register_module()
class ColorJitter(BaseTransform):
    """Random brightness, contrast, saturation and hue, in random order.

    torchvision's ``ColorJitter`` semantics on BGR images: brightness
    scales the pixels, contrast blends with the mean luma, saturation
    blends with the per-pixel luma (factor 0 = gray), hue rotates the hue
    by a fraction of a full turn. Values are clipped to [0, 255] after
    each step, as in torchvision, and rounded once at the end.

    Required keys: ``img`` (H, W, 3) BGR, uint8 or float in [0, 255].
    Modified: ``img`` (same shape and dtype). Single-channel images only
    get brightness and contrast.

    Args:
        brightness (float | tuple[float]): v draws the factor uniformly in
            [max(0, 1 - v), 1 + v]; a pair gives (low, high). Defaults to
            0.4.
        contrast (float | tuple[float]): as ``brightness``. Defaults to
            0.4.
        saturation (float | tuple[float]): as ``brightness``. Defaults to
            0.4.
        hue (float | tuple[float]): v in [0, 0.5] draws the shift
            uniformly in [-v, v] turns; a pair gives (low, high) inside
            [-0.5, 0.5]. Defaults to 0.1.
    """

    OPS = ('brightness', 'contrast', 'saturation', 'hue')

    def __init__(self, brightness: Range = 0.4, contrast: Range = 0.4,
                 saturation: Range = 0.4, hue: Range = 0.1) -> None:
        inf = float('inf')
        self.ranges = dict(
            brightness=_factor_range(brightness, 'brightness', 1, (0, inf)),
            contrast=_factor_range(contrast, 'contrast', 1, (0, inf)),
            saturation=_factor_range(saturation, 'saturation', 1, (0, inf)),
            hue=_factor_range(hue, 'hue', 0, (-0.5, 0.5)))

    @cache_randomness
    def _random_params(self) -> List[Tuple[str, float]]:
        """The enabled operations in random order, each with its factor."""
        params = []
        for k in np.random.permutation(len(self.OPS)):
            name = self.OPS[k]
            if self.ranges[name] is not None:
                params.append(
                    (name, float(np.random.uniform(*self.ranges[name]))))
        return params

    @staticmethod
    def _apply(img: np.ndarray, name: str, factor: float) -> np.ndarray:
        colour = img.ndim == 3 and img.shape[2] == 3
        if name == 'brightness':
            out = img * factor
        elif name == 'contrast':
            out = img * factor + (1 - factor) * gray(img).mean()
        elif not colour:
            return img  # saturation and hue mean nothing without colour
        elif name == 'saturation':
            out = img * factor + (1 - factor) * gray(img)[..., None]
        else:
            out = shift_hue(img, factor)
        return np.clip(out, 0, 255).astype(np.float32, copy=False)

    def transform(self, results: dict) -> dict:
        params = self._random_params()
        h, w = content_hw(results)
        img = results['img']
        out = img[:h, :w].astype(np.float32)
        for name, factor in params:
            out = self._apply(out, name, factor)
        if np.issubdtype(img.dtype, np.integer):
            out = np.rint(out)
        img = img.copy()
        img[:h, :w] = out.reshape(img[:h, :w].shape).astype(img.dtype)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v}' for k, v in self.ranges.items())
        return f'{self.__class__.__name__}({args})'


@TRANSFORMS.register_module()
class RandomGaussianBlur(BaseTransform):
    """Gaussian blur with a random sigma, applied with probability
    ``prob``.

    The kernel is square with side ``2 * ceil(3 * sigma) + 1`` pixels,
    which holds over 99.7 % of the Gaussian's mass; borders reflect
    (cv2's default), so the padding does not bleed into the image.

    Required keys: ``img`` (H, W[, C]). Modified: ``img`` (same shape and
    dtype).

    Args:
        sigma_range (tuple[float]): (low, high) of the uniform sigma in
            pixels. Defaults to (0.1, 2.0).
        prob (float): probability in [0, 1] of blurring. Defaults to 0.8.
    """

    def __init__(self, sigma_range: Sequence[float] = (0.1, 2.0),
                 prob: float = 0.8) -> None:
        low, high = (float(v) for v in sigma_range)
        if not 0 < low <= high:
            raise ValueError(
                f'sigma_range must satisfy 0 < low <= high, got {sigma_range}')
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.sigma_range = (low, high)
        self.prob = float(prob)

    @cache_randomness
    def _random_sigma(self) -> Optional[float]:
        """Sigma in pixels, or None for no blur; always two draws, so the
        random stream does not depend on the outcome."""
        apply = np.random.rand() < self.prob
        sigma = float(np.random.uniform(*self.sigma_range))
        return sigma if apply else None

    def transform(self, results: dict) -> dict:
        sigma = self._random_sigma()
        if sigma is None:
            return results
        h, w = content_hw(results)
        ksize = 2 * math.ceil(3 * sigma) + 1
        img = results['img'].copy()
        content = img[:h, :w]
        img[:h, :w] = cv2.GaussianBlur(
            content, (ksize, ksize), sigmaX=sigma,
            sigmaY=sigma).reshape(content.shape)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(sigma_range={self.sigma_range},'
                f' prob={self.prob})')
