"""P2R's region assignment with region bounds that follow each point's
local spacing."""
import math
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor

from p2r_mm.models.task_modules import (CellTargets, RegionAssigner,
                                        lowest_cost_cells)
from p2r_mm.models.utils import nearest_point_within, region_radii
from p2r_mm.registry import TASK_UTILS
from .knn_spacing import KNN_BACKENDS, mean_knn_distance


@TASK_UTILS.register_module()
class AdaptiveRegionAssigner(RegionAssigner):
    """Point-to-Region assignment whose per-point radius bounds come from
    the scene instead of two constants.

    P2R clamps every point's region radius to ``[min_radius, max_radius]``
    (8 / 96 px in the paper) and no cell farther than ``max_radius`` from
    its nearest point belongs to a region. Here each point ``p`` gets its
    own bounds from ``s_p``, the mean distance to its ``knn_k`` nearest
    points of the same image (see :func:`.knn_spacing.mean_knn_distance`)::

        upper_p = clamp(upper_scale * s_p, *upper_range)   (else max_radius)
        lower_p = clamp(lower_scale * s_p, *lower_range)   (else min_radius)
        lower_p = min(lower_p, upper_p)

    ("else": the scale is None, or the image holds <= ``knn_k`` points so
    ``s_p`` is undefined; those points keep P2R's fixed bounds). A cell is
    in p's region when p is its nearest point and is closer than
    ``upper_p``; a cell whose nearest point is farther than that point's
    own bound belongs to no region (a plain negative, weight 1), even if a
    farther point's larger bound would reach it: the nearest point says
    "no head here". The radius is the largest distance within the region
    clamped to ``[lower_p, upper_p]``; cost and positives are P2R's
    (``cost_point * d / radius - cost_class * logit``, one positive per
    region). Pseudo-points take the same path: their bounds come from their
    own spacing.

    Why: a point at the edge of a crowd has, with a fixed 96 px bound, a
    region reaching far into empty background with a weak distance term
    (its positive may drift to a distant high-logit cell); in a dense
    crowd the fixed 8 px floor makes the distance term blind within a
    head's own cell neighbourhood. Bounds proportional to the spacing fix
    both the way geometry-adaptive kernels fix density maps.

    Memory stays O(cells + points): the nearest-point search runs once with
    the largest bound of the batch (a scalar), and the per-point bound is
    applied to the (cells,) result; the kNN search holds no P x P matrix.

    With ``knn_k=0`` every point has the fixed bounds and the loss equals
    :class:`~p2r_mm.models.task_modules.RegionAssigner` exactly (same
    targets).

    Args:
        knn_k (int): neighbours of the spacing; 0 switches adaptation off.
        upper_scale (float, optional): ``upper_p`` per pixel of spacing;
            None keeps ``max_radius``.
        upper_range (tuple[float, float]): clamp of ``upper_p``, pixels.
        lower_scale (float, optional): ``lower_p`` per pixel of spacing;
            None keeps ``min_radius``.
        lower_range (tuple[float, float]): clamp of ``lower_p``, pixels.
        knn_backend (str): 'auto' | 'kdtree' | 'chunked'.
        min_radius, max_radius: the fixed bounds (P2R's), pixels: used
            when adaptation is off and as the fallback.
        **kwargs: the other :class:`RegionAssigner` arguments
            (``cost_point``, ``cost_class``, ``nn_backend``).
    """

    def __init__(self,
                 knn_k: int = 3,
                 upper_scale: Optional[float] = 1.0,
                 upper_range: Sequence[float] = (16.0, 96.0),
                 lower_scale: Optional[float] = 0.5,
                 lower_range: Sequence[float] = (4.0, 8.0),
                 knn_backend: str = 'auto',
                 min_radius: float = 8.0,
                 max_radius: float = 96.0,
                 **kwargs) -> None:
        super().__init__(min_radius=min_radius, max_radius=max_radius,
                         **kwargs)
        if isinstance(knn_k, bool) or not isinstance(knn_k, int) or \
                knn_k < 0:
            raise ValueError(f'knn_k must be an int >= 0, got {knn_k!r}')
        if knn_backend not in KNN_BACKENDS:
            raise ValueError(f'knn_backend must be one of {KNN_BACKENDS}, '
                             f'got {knn_backend!r}')
        self.knn_k = knn_k
        self.knn_backend = knn_backend
        self.upper = _scaled_bound('upper', upper_scale, upper_range)
        self.lower = _scaled_bound('lower', lower_scale, lower_range)

    def point_bounds(self, points: Tensor, point_batch: Tensor,
                     num_images: int) -> Tuple[Tensor, Tensor]:
        """Per-point radius bounds.

        Args:
            points (Tensor): (P, 2) float (x, y) in input pixels.
            point_batch (Tensor): (P,) long, the image of each point.
            num_images (int): B.

        Returns:
            tuple[Tensor, Tensor]: ``lower``, ``upper`` (P,) float32 in
            pixels, ``lower <= upper``.
        """
        lower = torch.full((len(points), ), self.min_radius,
                           dtype=torch.float32, device=points.device)
        upper = torch.full_like(lower, self.max_radius)
        if self.knn_k == 0 or len(points) == 0 or (
                self.upper is None and self.lower is None):
            return lower, upper
        spacing = mean_knn_distance(points, point_batch, num_images,
                                    self.knn_k, self.knn_backend)
        known = torch.isfinite(spacing)
        if self.upper is not None:
            scale, (lo, hi) = self.upper
            upper = torch.where(known, (scale * spacing).clamp(lo, hi), upper)
        if self.lower is not None:
            scale, (lo, hi) = self.lower
            lower = torch.where(known, (scale * spacing).clamp(lo, hi), lower)
        return torch.minimum(lower, upper), upper

    @torch.no_grad()
    def match(self, logits: Tensor, points: Tensor, point_batch: Tensor,
              stride: int) -> CellTargets:
        B, h, w = logits.shape
        lower, upper = self.point_bounds(points, point_batch, B)
        # One scalar search radius (the batch's largest bound), then each
        # cell is checked against its owner's own bound: still (cells,).
        search = float(upper.max()) if len(points) else self.max_radius
        owner, dist = nearest_point_within(
            points, point_batch, B, h, w, stride, search, self.nn_backend)
        target = torch.zeros(B * h * w, dtype=logits.dtype,
                             device=logits.device)
        cells = (owner >= 0).nonzero(as_tuple=True)[0]
        beyond = dist[cells] >= upper[owner[cells]].to(dist.dtype)
        owner[cells[beyond]] = -1
        cells = cells[~beyond]
        if len(cells) == 0:
            return CellTargets(target, owner)
        region = owner[cells]
        d = dist[cells].to(logits.dtype)

        # The core's radius without its clamp (0 .. inf leaves it as is),
        # then the per-point clamp.
        radius = region_radii(region, d, len(points), 0.0, math.inf)
        radius = torch.clamp(radius, lower.to(d.dtype), upper.to(d.dtype))

        cost = (self.cost_point * d / radius[region] -
                self.cost_class * logits.reshape(-1)[cells])
        target[lowest_cost_cells(cells, region, cost, len(points))] = 1.0
        return CellTargets(target, owner)


def _scaled_bound(name: str, scale: Optional[float],
                  limits: Sequence[float]):
    """(scale, (lo, hi)) checked, or None when ``scale`` is None."""
    if scale is None:
        return None
    limits = tuple(float(v) for v in limits)
    if not scale > 0 or len(limits) != 2 or \
            not 0 < limits[0] <= limits[1] < math.inf:
        raise ValueError(f'{name}_scale must be > 0 and {name}_range a '
                         f'finite (lo, hi) with 0 < lo <= hi, got {scale}, '
                         f'{limits}')
    return float(scale), limits
