"""Stride-cell geometry: where the cells of a logit map lie in the input.

A stride-``s`` map has one cell per ``s x s`` block of input pixels. Cell
(i, j) covers the pixels of rows ``i*s .. i*s+s-1`` and columns
``j*s .. j*s+s-1``, i.e. ``x`` in ``[j*s - 0.5, j*s + s - 0.5)`` (pixel
(row i, column j) is centred at (x, y) = (j, i)), and is centred at
``(j*s + (s-1)/2, i*s + (s-1)/2)``. Everything in p2r_mm that turns cells
into points or points into cells (losses, heads, counters, PSAM) uses these
functions, so the convention is written down once.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

Coordinate = Union[int, float, Tensor]


def cell_center_coord(index: Coordinate, stride: int) -> Coordinate:
    """Pixel coordinate of the centre of cell row / column ``index``:
    ``index * stride + (stride - 1) / 2`` (works on numbers and tensors)."""
    return index * stride + (stride - 1) / 2


def cell_centers(h: int, w: int, stride: int,
                 device: Optional[torch.device] = None,
                 dtype: torch.dtype = torch.float32) -> Tensor:
    """Centres of the cells of a stride-``stride`` map, in input pixels.

    Returns:
        Tensor: (h * w, 2) (x, y), row-major: index ``i * w + j`` is cell
        (i, j), centre ``(j * stride + (stride - 1) / 2,
        i * stride + (stride - 1) / 2)``.
    """
    ys = cell_center_coord(torch.arange(h, device=device, dtype=dtype),
                           stride)
    xs = cell_center_coord(torch.arange(w, device=device, dtype=dtype),
                           stride)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')
    return torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)


def cells_to_points(cells: Tensor, stride: int,
                    dtype: torch.dtype = torch.float32) -> Tensor:
    """(K, 2) (i, j) cells -> (K, 2) (x, y) cell centres, input pixels."""
    return cell_center_coord(cells.flip(1).to(dtype), stride)


def points_to_cells(points: Tensor, stride: int,
                    map_size: Optional[Sequence[int]] = None) -> Tensor:
    """The cell holding each point (the cell that covers its pixel).

    Args:
        points (Tensor): (K, 2) (x, y) in input pixels.
        stride (int): s.
        map_size (tuple, optional): (h, w); points outside it raise.

    Returns:
        Tensor: (K, 2) long (i, j), on the CPU.
    """
    # Queries are few: work on the host, whatever device they come from.
    points = torch.as_tensor(points).detach().cpu().double().reshape(-1, 2)
    cells = torch.floor((points.flip(1) + 0.5) / stride).long()
    if map_size is not None:
        bad = ((cells < 0) | (cells >= torch.tensor(tuple(map_size)))).any(1)
        if bad.any():
            raise ValueError(
                f'points {points[bad].tolist()} lie outside the '
                f'{map_size[1] * stride}x{map_size[0] * stride} input')
    return cells


def image_cells(img_shape: Sequence[int], stride: int,
                map_size: Sequence[int]) -> Tuple[int, int]:
    """(h, w): the top-left cells of a stride-``stride`` map of size
    ``map_size`` that cover at least one pixel of the unpadded input
    ``img_shape`` (H, W); the rest lie in the padding, which holds no
    heads."""
    return (min(map_size[0], math.ceil(img_shape[0] / stride)),
            min(map_size[1], math.ceil(img_shape[1] / stride)))


def cell_points(logit_map: Tensor, stride: int, img_shape: Sequence[int],
                logit_thr: float = 0.0,
                inclusive: bool = False) -> Tuple[Tensor, Tensor]:
    """Centres and logits of the image's cells whose logit exceeds
    ``logit_thr`` (or equals it, when ``inclusive``).

    Args:
        logit_map (Tensor): (h, w) logits of one image.
        stride (int): input pixels per cell.
        img_shape (Sequence[int]): unpadded (H, W) of the input.

    Returns:
        tuple[Tensor, Tensor]: points (N, 2) (x, y) in input pixels, float32
        (float64 for float64 logits), and their logits (N,) in the logits'
        dtype.
    """
    h, w = image_cells(img_shape, stride, logit_map.shape)
    logits = logit_map[:h, :w].reshape(-1)
    keep = logits >= logit_thr if inclusive else logits > logit_thr
    # Points are float32 whatever the logits: under autocast these are
    # fp16 / bfloat16, too coarse for the half-pixel centres of a wide map
    # (fp16 spacing is 1 px from x = 1024, bfloat16's 2 px from 256).
    dtype = torch.promote_types(logit_map.dtype, torch.float32)
    centers = cell_centers(h, w, stride, logit_map.device, dtype)
    return centers[keep], logits[keep]
