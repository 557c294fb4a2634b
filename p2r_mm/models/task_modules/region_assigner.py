"""P2R's region assignment (CVPR 2025, arXiv 2505.21943): every cell
belongs to its nearest point within a radius; one positive per region."""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor

from p2r_mm.registry import TASK_UTILS
from ..utils import BACKENDS, nearest_point_within, region_radii
from .base_cell_assigner import BaseCellAssigner
from .cell_targets import CellTargets


@TASK_UTILS.register_module()
class RegionAssigner(BaseCellAssigner):
    """Point-to-Region assignment.

    Per image, every cell belongs to its nearest point if that point is
    closer than ``max_radius`` (the point's *region*); a point's radius is
    the largest distance within its region, clamped to
    ``[min_radius, max_radius]``. In each region the cell of lowest cost
    ``cost_point * d / radius - cost_class * logit`` is the positive (its
    owner the region's point); every other cell of the map is a negative,
    cells of a region keeping their point as owner (so they take its
    weight) and cells outside every region having none.

    The regions are found by a nearest-point search (see
    :mod:`p2r_mm.models.utils.nearest_point`), never by a cells x points
    distance matrix, so memory is O(cells + points). On CPU tensors the
    search is a SciPy KD-tree (points and cell centres copied to the host,
    the (cells,) owner index copied back); on CUDA tensors it is a chunked
    window search that stays on the device.

    Args:
        min_radius (float): lower clamp of a point's radius, pixels.
        max_radius (float): cells at this distance or farther from every
            point belong to no region, pixels.
        cost_point (float): weight of the normalised distance in the cost.
        cost_class (float): weight of the logit in the cost.
        nn_backend (str): 'auto' | 'kdtree' | 'window'.
    """

    def __init__(self,
                 min_radius: float = 8.0,
                 max_radius: float = 96.0,
                 cost_point: float = 8.0,
                 cost_class: float = 1.0,
                 nn_backend: str = 'auto') -> None:
        if not 0 < min_radius <= max_radius:
            raise ValueError('need 0 < min_radius <= max_radius, got '
                             f'{min_radius}, {max_radius}')
        if nn_backend not in BACKENDS:
            raise ValueError(
                f'nn_backend must be one of {BACKENDS}, got {nn_backend!r}')
        self.min_radius = float(min_radius)
        self.max_radius = float(max_radius)
        self.cost_point = float(cost_point)
        self.cost_class = float(cost_class)
        self.nn_backend = nn_backend

    def regions(self, points: Tensor, point_batch: Tensor, num_images: int,
                h: int, w: int, stride: int,
                dtype: Optional[torch.dtype] = None
                ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """The regions of a batch's points and their radii.

        Args:
            points (Tensor): (P, 2) float (x, y) in input pixels.
            point_batch (Tensor): (P,) long, the image of each point.
            num_images (int): B.
            h, w (int): size of the cell map.
            stride (int): input pixels per cell.
            dtype (torch.dtype, optional): of the distances and radii;
                None keeps that of ``points``.

        Returns:
            tuple[Tensor, Tensor, Tensor, Tensor]: ``owner`` (B * h * w,)
            long (the region's point, -1 outside every region); ``cells``
            (C,) long, the flat indices of the cells in a region;
            ``dist`` (C,), their distance to their point, pixels;
            ``radius`` (P,), every point's radius, pixels.
        """
        owner, dist = nearest_point_within(
            points, point_batch, num_images, h, w, stride, self.max_radius,
            self.nn_backend)
        cells = (owner >= 0).nonzero(as_tuple=True)[0]
        d = dist[cells] if dtype is None else dist[cells].to(dtype)
        radius = region_radii(owner[cells], d, len(points), self.min_radius,
                              self.max_radius)
        return owner, cells, d, radius

    def point_radii(self, points: Tensor, point_batch: Tensor,
                    num_images: int, h: int, w: int,
                    stride: int) -> Tensor:
        """(P,) radius of every point in pixels, ``points``' dtype (see
        :meth:`regions`): the region size a loss with this assigner gives
        it."""
        return self.regions(points, point_batch, num_images, h, w,
                            stride)[3]

    @torch.no_grad()
    def match(self, logits: Tensor, points: Tensor, point_batch: Tensor,
              stride: int) -> CellTargets:
        B, h, w = logits.shape
        owner, cells, d, radius = self.regions(points, point_batch, B, h, w,
                                               stride, logits.dtype)
        target = torch.zeros(B * h * w, dtype=logits.dtype,
                             device=logits.device)
        if len(cells) == 0:
            return CellTargets(target, owner)
        region = owner[cells]
        # The official operation order, so that rounding (and with it the
        # ties between cells) is the same.
        cost = ((d / radius[region]) * self.cost_point -
                logits.reshape(-1)[cells] * self.cost_class)
        target[lowest_cost_cells(cells, region, cost, len(points))] = 1.0
        return CellTargets(target, owner)


def lowest_cost_cells(cells: Tensor, region: Tensor, cost: Tensor,
                      num_points: int) -> Tensor:
    """The positive of every non-empty region: its cell of lowest cost.

    Args:
        cells (Tensor): (C,) long, flat indices of the cells in a region.
        region (Tensor): (C,) long, the point (< ``num_points``) whose
            region each cell is in.
        cost (Tensor): (C,) float, each cell's matching cost.
        num_points (int): P.

    Returns:
        Tensor: (R,) long flat cell indices, one per non-empty region;
        among tied cells the lowest index, i.e. the first in row-major
        order, as the official ``min`` over cells picks (so exactly one
        positive per region).
    """
    best = torch.full((num_points, ), math.inf, dtype=cost.dtype,
                      device=cost.device).scatter_reduce(
                          0, region, cost, reduce='amin')
    is_best = cost == best[region]
    positive = torch.full((num_points, ), -1, dtype=torch.long,
                          device=cells.device).scatter_reduce(
                              0, region[is_best], cells[is_best],
                              reduce='amin', include_self=False)
    return positive[positive >= 0]
