"""Nearest point of every cell of a batch of stride-s maps, within a radius,
and the region radii P2R derives from it.

P2R only ever pairs a cell with its nearest point, and only when that point
is closer than ``max_dist``; so the (cells x points) distance matrix of a
direct implementation is never needed. Two searches give the same answer in
O(cells + points) memory:

* ``'kdtree'`` (CPU): a SciPy cKDTree over the batch's points, queried with
  every cell centre. The images of a batch are laid side by side along x,
  far enough apart that no cell can reach another image's points, so one
  tree and one query serve the whole batch. Points and cell centres are
  copied to the host as float64; only the (cells,) index comes back.
* ``'window'`` (any device, the CUDA default): every point visits the cells
  of the square window that can lie within ``max_dist`` of it; a scatter-min
  per cell keeps the nearest. Points are processed in chunks so memory stays
  bounded by ``max_pairs`` however dense the crowd. No host copies.

Ties: a cell exactly equidistant from several points goes to the one of
lowest index, on both backends, as ``min`` over a (cells x points) matrix
does in the official P2R loss. Ties are the rule, not the exception, for
pseudo-points: they are cell centres, on the cells' own grid (a cell at
(i, j) is as far from points at (i, j +/- 1) as from (i +/- 1, j)). Both
backends decide them on squared float64 distances, which are exact for
points on the half-pixel grid of cell centres, so they agree with each
other and with the official float32 search on such points.

The cells whose nearest point is k form k's *region*; :func:`region_radii`
turns regions into P2R's per-point radii, for the loss and for PSAM alike.
"""
import math
from typing import Tuple

import numpy as np
import torch
from torch import Tensor

from .cell_geometry import cell_center_coord, cell_centers

BACKENDS = ('auto', 'kdtree', 'window')


def nearest_point_within(points: Tensor,
                         point_batch: Tensor,
                         num_images: int,
                         h: int,
                         w: int,
                         stride: int,
                         max_dist: float,
                         backend: str = 'auto',
                         max_pairs: int = 1 << 22) -> Tuple[Tensor, Tensor]:
    """For each cell, its nearest point if that point is closer than
    ``max_dist``.

    Args:
        points (Tensor): (P, 2) float (x, y) in input pixels, all images.
        point_batch (Tensor): (P,) long, image index of each point.
        num_images (int): B.
        h, w (int): size of the cell map.
        stride (int): input pixels per cell.
        max_dist (float): strict upper bound on the distance, in pixels.
        backend (str): 'auto' (kdtree on CPU, window otherwise), 'kdtree'
            or 'window'.
        max_pairs (int): window backend: cell-point pairs held at once.

    Returns:
        tuple[Tensor, Tensor]: ``owner`` (B * h * w,) long, index into
        ``points`` or -1 where no point is within ``max_dist``; ``dist``
        (B * h * w,) float, the distance to the owner (inf where none),
        computed in ``points.dtype`` from the coordinates.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
    if backend == 'auto':
        backend = 'kdtree' if points.device.type == 'cpu' else 'window'
    num_cells = num_images * h * w
    owner = torch.full((num_cells, ), -1, dtype=torch.long,
                       device=points.device)
    if len(points) > 0:
        if backend == 'kdtree':
            owner = _kdtree_owner(points, point_batch, num_images, h, w,
                                  stride, max_dist).to(points.device)
        else:
            owner = _window_owner(points, point_batch, h, w, stride, max_dist,
                                  max_pairs, owner)
    # Distances are recomputed here from the coordinates in the caller's
    # precision, so both backends (and a dense reference) agree exactly.
    centers = cell_centers(h, w, stride, points.device, points.dtype)
    dist = torch.full((num_cells, ), math.inf, dtype=points.dtype,
                      device=points.device)
    has = owner >= 0
    if has.any():
        cell_idx = has.nonzero(as_tuple=True)[0]
        diff = centers[cell_idx % (h * w)] - points[owner[cell_idx]]
        d = torch.linalg.vector_norm(diff, dim=1)
        # The search ran with a little slack (float64 vs float32): the
        # strict bound is applied once, here, in the caller's precision.
        inside = d < max_dist
        owner[cell_idx[~inside]] = -1
        dist[cell_idx[inside]] = d[inside]
    return owner, dist


def region_radii(region: Tensor, dist: Tensor, num_points: int,
                 min_radius: float, max_radius: float) -> Tensor:
    """P2R radius of every point: the largest distance from the point to a
    cell of its region, clamped to ``[min_radius, max_radius]`` (a point
    whose region is empty gets ``min_radius``).

    Args:
        region (Tensor): (C,) long, the point (index < ``num_points``) whose
            region each of C cells is in (the ``owner`` of
            :func:`nearest_point_within` where it is >= 0).
        dist (Tensor): (C,) float, each cell's distance to that point,
            pixels.
        num_points (int): P.
        min_radius, max_radius (float): pixels.

    Returns:
        Tensor: (P,) radii in pixels, dtype and device of ``dist``.
    """
    radius = torch.zeros(num_points, dtype=dist.dtype, device=dist.device)
    radius = radius.scatter_reduce(0, region, dist, reduce='amax')
    return radius.clamp(min_radius, max_radius)


def _reachable(points: Tensor, h: int, w: int, stride: int,
               max_dist: float) -> Tensor:
    """Points that can be within ``max_dist`` of some cell centre."""
    lo = cell_center_coord(0, stride) - max_dist
    hi_x = cell_center_coord(w - 1, stride) + max_dist
    hi_y = cell_center_coord(h - 1, stride) + max_dist
    x, y = points[:, 0], points[:, 1]
    return (x > lo) & (x < hi_x) & (y > lo) & (y < hi_y)


def _kdtree_owner(points: Tensor, point_batch: Tensor, num_images: int,
                  h: int, w: int, stride: int, max_dist: float) -> Tensor:
    from scipy.spatial import cKDTree

    keep = _reachable(points, h, w, stride, max_dist)
    kept_idx = keep.nonzero(as_tuple=True)[0].cpu().numpy()
    if len(kept_idx) == 0:
        return torch.full((num_images * h * w, ), -1, dtype=torch.long)
    # Side-by-side layout: image b is shifted by b * gap along x. With the
    # unreachable points dropped, every point of image b lies within
    # max_dist of image b's cell box, so a gap of (box width + 2 max_dist +
    # stride) keeps other images' points more than max_dist away.
    gap = w * stride + 2 * max_dist + stride
    pts = points.detach().cpu().numpy().astype(np.float64)[kept_idx]
    pts[:, 0] += point_batch.cpu().numpy()[kept_idx] * gap
    centers = cell_centers(h, w, stride, dtype=torch.float64).numpy()
    queries = np.concatenate(
        [centers + np.array([b * gap, 0.0]) for b in range(num_images)])
    # 1e-3 px of slack; the strict bound is re-applied by the caller.
    bound = max_dist + 1e-3
    tree = cKDTree(pts)
    nn = _lowest_nearest(tree, queries, bound, k=2)
    found = nn < len(kept_idx)
    owner = np.full(len(queries), -1, dtype=np.int64)
    owner[found] = kept_idx[nn[found]]
    return torch.from_numpy(owner)


def _lowest_nearest(tree, queries: np.ndarray, bound: float,
                    k: int) -> np.ndarray:
    """Index (into the tree's points) of each query's nearest point, the
    lowest index among exactly tied ones; ``tree.n`` where none is within
    ``bound``.

    A query's ``k`` nearest decide it unless all ``k`` are tied; only
    those queries are asked again with twice the ``k``, so an untied map
    costs one ``k = 2`` query. The tree's indices follow the points'
    order, so the lowest tree index is the lowest point index.
    """
    k = min(k, tree.n)
    dist, nn = tree.query(queries, k=k, distance_upper_bound=bound,
                          workers=-1)
    dist, nn = dist.reshape(len(queries), k), nn.reshape(len(queries), k)
    tied = dist == dist[:, :1]
    lowest = np.where(tied, nn, tree.n).min(axis=1)
    undecided = np.isfinite(dist[:, -1]) & tied[:, -1] & (k < tree.n)
    if undecided.any():
        lowest[undecided] = _lowest_nearest(tree, queries[undecided], bound,
                                            2 * k)
    return lowest


def _window_owner(points: Tensor, point_batch: Tensor, h: int, w: int,
                  stride: int, max_dist: float, max_pairs: int,
                  owner: Tensor) -> Tensor:
    device = points.device
    offset = cell_center_coord(0, stride)
    # Cells whose centre can be within max_dist lie within `reach` cells of
    # the point's own cell (+1 for the rounding of that cell).
    reach = int(math.ceil(max_dist / stride)) + 1
    steps = torch.arange(-reach, reach + 1, device=device)
    di, dj = torch.meshgrid(steps, steps, indexing='ij')
    di, dj = di.reshape(-1), dj.reshape(-1)
    window = len(di)

    # Squared float64 distances: exact for points on the cell-centre grid,
    # so ties are ties, and the same numbers as the k-d tree's (see the
    # module docstring). MPS has no float64; float32 squares of grid
    # offsets are still exact there.
    dtype = torch.float32 if device.type == 'mps' else torch.float64
    best = torch.full(owner.shape, math.inf, dtype=dtype, device=device)
    bound = (max_dist + 1e-3)**2
    chunk = max(1, max_pairs // window)
    for start in range(0, len(points), chunk):
        pts = points[start:start + chunk].to(dtype)
        img = point_batch[start:start + chunk]
        ci = torch.round((pts[:, 1] - offset) / stride).long()
        cj = torch.round((pts[:, 0] - offset) / stride).long()
        i = ci[:, None] + di[None]
        j = cj[:, None] + dj[None]
        inside = (i >= 0) & (i < h) & (j >= 0) & (j < w)
        dx = cell_center_coord(j.to(dtype), stride) - pts[:, 0:1]
        dy = cell_center_coord(i.to(dtype), stride) - pts[:, 1:2]
        d = dx * dx + dy * dy
        ok = inside & (d < bound)
        cell = (img[:, None] * (h * w) + i * w + j)[ok]
        d = d[ok]
        pidx = (torch.arange(len(pts), device=device) + start)[:, None].expand(
            -1, window)[ok]
        # Nearest of this chunk per cell (lowest index among ties), then
        # keep it where it is strictly nearer than the earlier chunks',
        # whose indices are all lower.
        chunk_best = torch.full_like(best, math.inf).scatter_reduce(
            0, cell, d, reduce='amin')
        is_min = d == chunk_best[cell]
        chunk_owner = torch.full_like(owner, -1).scatter_reduce(
            0, cell[is_min], pidx[is_min], reduce='amin',
            include_self=False)
        better = chunk_best < best
        best = torch.where(better, chunk_best, best)
        owner = torch.where(better, chunk_owner, owner)
    return owner
