"""Pixel-exact geometry of images with point annotations.

Convention: points are (x, y) float32 (N, 2) in *pixel-index* coordinates,
pixel (row i, col j) centred at (j, i), so a point belongs to the pixel it
rounds to and the image spans ``[-0.5, W - 0.5) x [-0.5, H - 0.5)``
(:func:`~p2r_mm.datasets.point_checks.inside_image`, beside the annotation
rule it differs from). This
is the cell-centre convention of the losses (cell (i, j) of a stride-s map
centred at ``(j*s + (s-1)/2, i*s + (s-1)/2)``).

Each function edits a pipeline ``results`` dict in place: the image through
mmcv (and the strong view's ``strong_img``, when an ``AddStrongImage`` made
one, in exactly the same way), and ``gt_points`` / ``gt_head_sizes`` alike
when the sample has them (see :func:`has_points`). The transforms in
``geometric.py`` only choose the parameters.
"""
from numbers import Number
from typing import Sequence, Tuple

import mmcv
import numpy as np

from ..point_checks import inside_image

# Images a geometric step moves together: the image and, in an unlabelled
# pipeline, its strong photometric copy (see strong_image.py).
IMAGE_KEYS = ('img', 'strong_img')


def _map_images(results: dict, fn) -> None:
    """Replace every image of ``results`` (see IMAGE_KEYS) by ``fn(img)``."""
    for key in IMAGE_KEYS:
        if key in results:
            results[key] = fn(results[key])


def has_points(results: dict) -> bool:
    """Whether ``results`` carries points that the geometry must move.

    Unlabelled images have no ``gt_points``; images marked ``has_gt=False``
    may carry a placeholder that means nothing and is left alone.
    """
    return 'gt_points' in results and results.get('has_gt', True) is not False


def content_hw(results: dict) -> Tuple[int, int]:
    """(h, w) of the real image inside ``results['img']`` (``img_shape``,
    bounded by the array; the rest is right/bottom padding)."""
    img = results['img']
    h, w = results.get('img_shape', img.shape[:2])[:2]
    return min(int(h), img.shape[0]), min(int(w), img.shape[1])


def rescale(results: dict, size: Tuple[int, int],
            interpolation: str = 'bilinear') -> None:
    """Resize the image to ``size`` (w, h) pixels.

    cv2 maps pixel centres with half-pixel offsets, so a point moves as
    ``x -> (x + 0.5) * sx - 0.5`` with ``sx = new_w / w`` (y alike); head
    sizes (w, h) are multiplied by (sx, sy). ``scale_factor`` (w, h)
    accumulates, so ``original = (x + 0.5) / scale_factor - 0.5`` holds
    through any chain of rescales.
    """
    img = results['img']
    h, w = img.shape[:2]
    new_w, new_h = int(size[0]), int(size[1])
    if (new_w, new_h) != (w, h):
        _map_images(results, lambda im: mmcv.imresize(
            im, (new_w, new_h), interpolation=interpolation))
    # exact ratios of the integer sizes, not the requested factor, so that
    # points land on the pixels cv2 actually produced
    scale = np.array([new_w / w, new_h / h])
    old = results.get('scale_factor', (1.0, 1.0))
    results['scale_factor'] = (float(old[0] * scale[0]),
                               float(old[1] * scale[1]))
    results['img_shape'] = (new_h, new_w)
    results.pop('pad_shape', None)  # a padding before is resized with it
    if has_points(results):
        points = (results['gt_points'] + 0.5) * scale - 0.5
        results['gt_points'] = points.astype(np.float32)
        if 'gt_head_sizes' in results:
            sizes = results['gt_head_sizes'] * scale
            results['gt_head_sizes'] = sizes.astype(np.float32)


def crop(results: dict, box: Sequence[int]) -> None:
    """Cut the image to ``box`` = (x0, y0, x1, y1), integer pixels with x1,
    y1 exclusive, inside the image.

    Points move by (-x0, -y0); a point is kept iff it rounds to a pixel of
    the crop; the same rows of ``gt_head_sizes`` are kept. The box is
    stored as ``crop_box`` (in the image as it was before the crop).
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    h, w = results['img'].shape[:2]
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise ValueError(f'crop box {box} is not inside the {w}x{h} image')
    _map_images(results, lambda im: im[y0:y1, x0:x1])
    results['img_shape'] = (y1 - y0, x1 - x0)
    results['crop_box'] = (x0, y0, x1, y1)
    results.pop('pad_shape', None)
    if has_points(results):
        points = results['gt_points'] - np.array([x0, y0], np.float32)
        keep = inside_image(points, x1 - x0, y1 - y0)
        results['gt_points'] = np.ascontiguousarray(points[keep])
        if 'gt_head_sizes' in results:
            results['gt_head_sizes'] = np.ascontiguousarray(
                results['gt_head_sizes'][keep])


def pad_to(results: dict, shape: Tuple[int, int], pad_val=0) -> None:
    """Pad the image at the right and bottom to at least ``shape`` (h, w).

    Points do not move. ``img_shape`` keeps the size of the real content
    (so later steps can tell padding from image) and ``pad_shape`` (h, w)
    records the padded size.
    """
    img = results['img']
    if img.shape[0] < shape[0] or img.shape[1] < shape[1]:
        if isinstance(pad_val, Number) and img.ndim == 3:
            # cv2 would fill only the first channel with a bare number
            pad_val = (pad_val, ) * img.shape[2]
        _map_images(results, lambda im: mmcv.impad(
            im, shape=tuple(shape), pad_val=pad_val))
    results['pad_shape'] = tuple(results['img'].shape[:2])


def hflip(results: dict) -> None:
    """Mirror the image content left-right: ``x -> w - 1 - x`` keeps every
    point on its pixel (head sizes are unchanged).

    Only the content, ``img_shape`` (h, w), is mirrored; right/bottom
    padding stays where it is, so a flip after a padded crop equals a flip
    before the padding.
    """
    img = results['img']
    h, w = results.get('img_shape', img.shape[:2])[:2]
    h, w = min(h, img.shape[0]), min(w, img.shape[1])

    def flip(im):
        if (h, w) == im.shape[:2]:
            return mmcv.imflip(im, direction='horizontal')
        im = im.copy()
        im[:h, :w] = mmcv.imflip(im[:h, :w], direction='horizontal')
        return im

    _map_images(results, flip)
    if has_points(results):
        points = results['gt_points'].copy()
        points[:, 0] = (w - 1) - points[:, 0]
        results['gt_points'] = points
