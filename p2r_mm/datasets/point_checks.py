"""Validation of annotated points and the out-of-image policy.

Coordinates are pixel indices: pixel (row i, column j) is centred at
``x = j, y = i``, so a point lies on the image when
``0 <= x <= width - 1`` and ``0 <= y <= height - 1``.
"""
from typing import Optional, Tuple

import numpy as np

OUT_OF_IMAGE_POLICIES = ('clip', 'drop', 'error')


def as_xy_array(value, source: str, what: str = 'points',
                nonnegative: bool = False) -> np.ndarray:
    """``value`` as float32 ``(N, 2)``, or ``ValueError`` naming ``source``.

    Args:
        value: anything ``np.asarray`` turns into an (N, 2) number array; an
            empty value (``[]``, a 0x0 MATLAB matrix) means no rows.
        source (str): the file (and key) the value came from, for messages.
        what (str): what the rows are, for messages ('points', 'head sizes').
        nonnegative (bool): also reject negative entries (sizes).
    """
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f'{source}: {what} are not a numeric (N, 2) '
                         f'array ({e})') from e
    if array.size == 0:
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
    low = np.zeros(2, dtype=np.float32)
    high = np.array([width - 1, height - 1], dtype=np.float32)
    # Per point: how far it lies beyond the grid (0 when on it).
    excess = np.maximum(low - points, points - high).max(axis=1, initial=0.0)
    outside = excess > 0
    n_out = int(outside.sum())
    if n_out == 0 or policy == 'error':
        return points, head_sizes, n_out, float(excess.max(initial=0.0))
    if policy == 'clip':
        points = np.clip(points, low, high)
    elif policy == 'drop':
        points = points[~outside]
        if head_sizes is not None:
            head_sizes = head_sizes[~outside]
    else:
        raise ValueError(f'out_of_image must be one of '
                         f'{OUT_OF_IMAGE_POLICIES}, got {policy!r}')
    return points, head_sizes, n_out, float(excess.max())
