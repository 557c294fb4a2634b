"""Validation of points, in one place: their values, and the two rules of
"inside the image".

Coordinates are pixel indices: pixel (row i, column j) is centred at
``x = j, y = i``.

- An *annotation* lies on its image when ``0 <= x <= width - 1`` and
  ``0 <= y <= height - 1`` (:func:`off_grid_distance`; the datasets' policy
  :func:`apply_out_of_image`).
- A *transformed* point (resized, cropped, flipped in a pipeline) lies in
  its image when ``-0.5 <= x < width - 0.5`` and ``-0.5 <= y < height - 0.5``
  (:func:`inside_image`), i.e. it rounds to a pixel of the image.

They differ because an annotation is a pixel index, clipped onto the grid
to keep the published counts, while a transformed point keeps its
sub-pixel position, and every position of the image area (a half pixel
beyond the outer pixel centres) belongs to exactly one pixel.
"""
from typing import Optional, Tuple

import numpy as np

OUT_OF_IMAGE_POLICIES = ('clip', 'drop', 'error')


def as_xy_array(value, source: str, what: str = 'points',
                nonnegative: bool = False, exact: bool = False) -> np.ndarray:
    """``value`` as float32 ``(N, 2)``, or ``ValueError`` naming ``source``.

    Args:
        value: anything ``np.asarray`` turns into an (N, 2) number array; an
            empty value (``[]``, a 0x0 MATLAB matrix) means no rows.
        source (str): the file (and key) the value came from, for messages.
        what (str): what the rows are, for messages ('points', 'head sizes').
        nonnegative (bool): also reject negative entries (sizes).
        exact (bool): ``value`` must already be an (N, 2) array of numbers
            (int or float: no strings, no booleans, no empty array of
            another shape), as the datasets hand it to a pipeline.

    Returns:
        np.ndarray: a new C-contiguous float32 (N, 2) array of finite
        values.
    """
    try:
        if exact:
            array = np.asarray(value)
            if array.dtype.kind not in 'iuf':
                raise TypeError(f'dtype {array.dtype}')
        else:
            array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f'{source}: {what} are not a numeric (N, 2) '
                         f'array ({e})') from e
    if array.size == 0 and not exact:
        return np.zeros((0, 2), dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f'{source}: {what} must have shape (N, 2), got '
                         f'{array.shape}')
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(f'{source}: {what} contain NaN or inf '
                         f'({int(bad.sum())} rows, first at rows {rows})')
    if nonnegative and (array < 0).any():
        rows = np.flatnonzero((array < 0).any(axis=1))[:5].tolist()
        raise ValueError(f'{source}: negative {what} at rows {rows}')
    return array.astype(np.float32)


def off_grid_distance(points: np.ndarray, width: int,
                      height: int) -> np.ndarray:
    """(N,) float32: how far each annotated point lies beyond the pixel grid
    ``0 <= x <= width - 1``, ``0 <= y <= height - 1`` (0 when on it)."""
    low, high = _grid_bounds(width, height)
    return np.maximum(low - points, points - high).max(axis=1, initial=0.0)


def _grid_bounds(width: int, height: int) -> Tuple[np.ndarray, np.ndarray]:
    """(x, y) of the first and the last pixel centre, float32."""
    return (np.zeros(2, dtype=np.float32),
            np.array([width - 1, height - 1], dtype=np.float32))


def inside_image(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N,) bool: which of the (N, 2) transformed ``points`` round to a
    pixel of a ``width`` x ``height`` image (half-open, so each position
    has exactly one pixel)."""
    x, y = points[:, 0], points[:, 1]
    return (x >= -0.5) & (x < width - 0.5) & (y >= -0.5) & (y < height - 0.5)


def apply_out_of_image(points: np.ndarray, head_sizes: Optional[np.ndarray],
                       width: int, height: int, policy: str
                       ) -> Tuple[np.ndarray, Optional[np.ndarray], int,
                                  float]:
    """Apply ``policy`` to the points that lie off the pixel grid.

    Args:
        points: float32 (N, 2), (x, y) in pixels.
        head_sizes: float32 (N, 2) or None; dropped along with their points.
        width, height: the image size in pixels.
        policy: 'clip' moves them onto the nearest border pixel (the count is
            kept), 'drop' removes them, 'error' leaves them (the caller
            raises after collecting every offending file).

    Returns:
        (points, head_sizes, number outside, largest distance outside in
        pixels).
    """
    excess = off_grid_distance(points, width, height)
    outside = excess > 0
    n_out = int(outside.sum())
    if n_out == 0 or policy == 'error':
        return points, head_sizes, n_out, float(excess.max(initial=0.0))
    if policy == 'clip':
        points = np.clip(points, *_grid_bounds(width, height))
    elif policy == 'drop':
        points = points[~outside]
        if head_sizes is not None:
            head_sizes = head_sizes[~outside]
    else:
        raise ValueError(f'out_of_image must be one of '
                         f'{OUT_OF_IMAGE_POLICIES}, got {policy!r}')
    return points, head_sizes, n_out, float(excess.max())
