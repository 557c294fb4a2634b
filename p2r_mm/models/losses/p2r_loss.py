"""Point-to-Region loss (P2R, CVPR 2025, arXiv 2505.21943)."""
import math

import torch
from torch import Tensor

from p2r_mm.registry import MODELS
from ..utils import BACKENDS, nearest_point_within, region_radii
from .point_loss_base import BasePointLoss, CellTargets


@MODELS.register_module()
class P2RLoss(BasePointLoss):
    """Point-to-Region loss.

    Per image, every cell belongs to its nearest point if that point is
    closer than ``max_radius`` (the point's *region*); a point's radius is
    the largest distance within its region, clamped to
    ``[min_radius, max_radius]``. In each region the cell of lowest cost
    ``cost_point * d / radius - cost_class * logit`` (no gradient) is the
    positive; every other cell of the map is a negative. The loss is the
    weighted BCE of :class:`BasePointLoss`, so every cell is supervised:
    this is what gives pseudo-labelled images their "no head here" signal.

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
        pos_weight, empty_weight, loss_weight: see :class:`BasePointLoss`.
        nn_backend (str): 'auto' | 'kdtree' | 'window'.
    """

    def __init__(self,
                 min_radius: float = 8.0,
                 max_radius: float = 96.0,
                 cost_point: float = 8.0,
                 cost_class: float = 1.0,
                 pos_weight: float = 2.0,
                 empty_weight: float = 0.5,
                 loss_weight: float = 1.0,
                 nn_backend: str = 'auto') -> None:
        super().__init__(pos_weight, empty_weight, loss_weight)
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

    @torch.no_grad()
    def assign(self, logits: Tensor, points: Tensor, point_batch: Tensor,
               stride: int) -> CellTargets:
        B, h, w = logits.shape
        owner, dist = nearest_point_within(
            points, point_batch, B, h, w, stride, self.max_radius,
            self.nn_backend)
        target = torch.zeros(B * h * w, dtype=logits.dtype,
                             device=logits.device)
        cells = (owner >= 0).nonzero(as_tuple=True)[0]
        if len(cells) == 0:
            return CellTargets(target, owner)
        region = owner[cells]
        d = dist[cells].to(logits.dtype)

        radius = region_radii(region, d, len(points), self.min_radius,
                              self.max_radius)

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
