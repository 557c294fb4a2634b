"""Local spacing of annotated points: the mean distance from each point to
its k nearest neighbours in the same image.

This is the "geometry-adaptive" statistic of density-map methods (MCNN's
Gaussian kernels use sigma = 0.3 x the mean distance to the 3 nearest
heads); here it scales the region bounds of
:class:`~.adaptive_p2r_loss.AdaptiveP2RLoss`. Two backends give the same
numbers without ever holding a P x P distance matrix for a large P:

* ``'kdtree'`` (CPU): one SciPy cKDTree over the batch's points, queried
  for each point's k + 1 nearest (itself included). Images are laid side by
  side along x, far enough apart that an image's own points always come
  before another image's; neighbours from another image are discarded all
  the same (an image with <= k points finds them). O(P log P) time, O(P k)
  memory; points are copied to the host as float64, the (P,) result back.
* ``'chunked'`` (any device, the CUDA default): per image, rows of
  ``torch.cdist`` against that image's points, at most ``max_pairs``
  distances at a time, then the k smallest per row. O(sum n_b^2) time,
  O(max_pairs + P k) memory; no host copy.
"""
import math

import numpy as np
import torch
from torch import Tensor

KNN_BACKENDS = ('auto', 'kdtree', 'chunked')


def mean_knn_distance(points: Tensor,
                      point_batch: Tensor,
                      num_images: int,
                      k: int,
                      backend: str = 'auto',
                      max_pairs: int = 1 << 22) -> Tensor:
    """Mean distance from every point to its ``k`` nearest other points of
    the same image.

    Args:
        points (Tensor): (P, 2) float (x, y) in input pixels, all images'
            points concatenated.
        point_batch (Tensor): (P,) long, the image of each point, in
            ``[0, num_images)``.
        num_images (int): B.
        k (int): neighbours per point, >= 1.
        backend (str): 'auto' (kdtree on CPU, chunked otherwise),
            'kdtree' or 'chunked'.
        max_pairs (int): chunked backend: distances held at once.

    Returns:
        Tensor: (P,) float32 on ``points.device``, pixels; NaN for a point
        whose image holds fewer than ``k`` other points (the caller decides
        the fallback). Coincident points are neighbours at distance 0.
    """
    if backend not in KNN_BACKENDS:
        raise ValueError(
            f'knn backend must be one of {KNN_BACKENDS}, got {backend!r}')
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f'k must be an int >= 1, got {k!r}')
    if points.dim() != 2 or points.shape[1] != 2 or \
            point_batch.shape != points.shape[:1]:
        raise ValueError('points must be (P, 2) and point_batch (P,), got '
                         f'{tuple(points.shape)} and '
                         f'{tuple(point_batch.shape)}')
    if backend == 'auto':
        backend = 'kdtree' if points.device.type == 'cpu' else 'chunked'
    if len(points) == 0:
        return points.new_zeros((0, ), dtype=torch.float32)
    if backend == 'kdtree':
        out = _kdtree_spacing(points, point_batch, k)
    else:
        out = _chunked_spacing(points, point_batch, num_images, k, max_pairs)
    return out.to(device=points.device, dtype=torch.float32)


def _kdtree_spacing(points: Tensor, point_batch: Tensor, k: int) -> Tensor:
    from scipy.spatial import cKDTree

    pts = points.detach().cpu().numpy().astype(np.float64)
    batch = point_batch.cpu().numpy()
    # Any two points of one image are at most sqrt(2) * extent apart; a gap
    # of 3 * extent puts every other image's point farther than that.
    extent = float(np.ptp(pts, axis=0).max()) + 1.0
    pts[:, 0] += batch * (3.0 * extent)
    num = len(pts)
    dist, idx = cKDTree(pts).query(pts, k=min(k + 1, num), workers=-1)
    dist, idx = dist.reshape(num, -1), idx.reshape(num, -1)
    valid = (idx != np.arange(num)[:, None]) & (
        batch[idx] == batch[:, None])
    # Distances come sorted: the first k valid entries are the k nearest.
    # (With coincident points, "self" may sit anywhere among the zeros, or
    # be left out; then k + 1 entries are valid and the last is dropped.)
    valid &= np.cumsum(valid, axis=1) <= k
    mean = np.where(valid, dist, 0.0).sum(axis=1) / k
    mean[valid.sum(axis=1) < k] = math.nan
    return torch.from_numpy(mean)


def _chunked_spacing(points: Tensor, point_batch: Tensor, num_images: int,
                     k: int, max_pairs: int) -> Tensor:
    out = torch.full((len(points), ), math.nan, dtype=points.dtype,
                     device=points.device)
    pts = points.detach()
    # A loop over images (their point counts differ), then over row chunks.
    for b in range(num_images):
        members = (point_batch == b).nonzero(as_tuple=True)[0]
        n = len(members)
        if n <= k:
            continue
        own = pts[members]
        rows = max(1, max_pairs // n)
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            # The exact (not matmul-expanded) distance: the kdtree backend
            # and a hand computation agree to float precision.
            d = torch.cdist(own[start:stop], own,
                            compute_mode='donot_use_mm_for_euclid_dist')
            r = torch.arange(stop - start, device=d.device)
            d[r, r + start] = math.inf  # a point is not its own neighbour
            near = d.topk(k, dim=1, largest=False).values
            out[members[start:stop]] = near.mean(dim=1)
    return out
