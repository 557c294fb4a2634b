"""How diffuse a PSAM is, as numbers (see :mod:`.psam`).

For a map m >= 0 over the pixels p of an image (pixel (row i, column j) at
(x, y) = (j, i)) and its query point q:

- ``mass_within(m, q, r) = sum_{|p - q| <= r} m(p) / sum_p m(p)``, the
  fraction of the activation within r pixels of q: near 1 when the model
  looks at the head itself, about ``pi r^2 / (H W)`` for a uniform map.
- ``effective_area(m) = (sum_p m(p))^2 / sum_p m(p)^2`` pixels, the
  participation ratio: 1 for a single pixel, n for n equal pixels, H*W for
  a uniform map. It needs no radius.

Both are NaN for an all-zero map (no pixel supports the logit).

The default r is the query's *P2R radius*: with the predicted points as
labels, the largest distance from the query to a cell whose nearest point
it is, clamped to [8, 96] px (what ``P2RLoss`` gives a point), so a tight
map scores near 1 in sparse and dense crowds alike.
"""
from typing import Dict, Optional, Sequence, Union

import torch
from torch import Tensor

from p2r_mm.models.task_modules import RegionAssigner
from p2r_mm.models.utils import cell_points, image_cells
from .psam import PSAMResult, predicting_counter


def mass_within(maps: Tensor, points: Tensor,
                radius: Union[float, Tensor]) -> Tensor:
    """Fraction of each map's mass within ``radius`` of its point.

    Args:
        maps (Tensor): (K, H, W) >= 0.
        points (Tensor): (K, 2) (x, y) pixels.
        radius (float | Tensor): pixels, one for all or (K,).

    Returns:
        Tensor: (K,) in [0, 1] (NaN for an all-zero map).
    """
    K, H, W = maps.shape
    points = points.to(maps)
    radius = torch.as_tensor(radius, dtype=maps.dtype,
                             device=maps.device).expand(K)
    xs = torch.arange(W, dtype=maps.dtype, device=maps.device)
    ys = torch.arange(H, dtype=maps.dtype, device=maps.device)
    dx2 = (xs[None] - points[:, 0:1])**2  # (K, W)
    dy2 = (ys[None] - points[:, 1:2])**2  # (K, H)
    inside = dy2[:, :, None] + dx2[:, None, :] <= radius[:, None, None]**2
    total = maps.sum((1, 2))
    return (maps * inside).sum((1, 2)) / total


def effective_area(maps: Tensor) -> Tensor:
    """(K, H, W) maps -> (K,) participation ratio in pixels (NaN for an
    all-zero map)."""
    flat = maps.reshape(len(maps), -1)
    return flat.sum(1)**2 / (flat**2).sum(1)


def p2r_radii(queries: Tensor,
              pred_points: Tensor,
              map_size: Sequence[int],
              stride: int,
              min_radius: float = 8.0,
              max_radius: float = 96.0) -> Tensor:
    """P2R radius of each query point, the predicted points as labels.

    The regions are those of ``P2RLoss``, from the same
    :class:`~p2r_mm.models.task_modules.RegionAssigner`: every cell of the
    (h, w) map belongs to its nearest point if closer than ``max_radius``;
    a point's radius is its region's largest cell distance, clamped to
    ``[min_radius, max_radius]``. A query that is not one of the predicted
    points (within 1e-3 px) joins the point set for this.

    Args:
        queries (Tensor): (K, 2) (x, y) input pixels.
        pred_points (Tensor): (N, 2) (x, y) input pixels.
        map_size (Sequence[int]): (h, w) cells.
        stride (int): pixels per cell.

    Returns:
        Tensor: (K,) radii in pixels.
    """
    queries = queries.detach().double().cpu().reshape(-1, 2)
    pred = pred_points.detach().double().cpu().reshape(-1, 2)
    # Queries as indices into `points`: the matching predicted point, or
    # one appended copy per distinct unmatched query.
    index = torch.full((len(queries), ), -1, dtype=torch.long)
    if len(pred):
        dist, nearest = torch.cdist(queries, pred).min(1)
        index = torch.where(dist < 1e-3, nearest, index)
    extra, inverse = torch.unique(queries[index < 0], dim=0,
                                  return_inverse=True)
    index[index < 0] = len(pred) + inverse
    points = torch.cat([pred, extra])
    radius = RegionAssigner(min_radius, max_radius).point_radii(
        points, torch.zeros(len(points), dtype=torch.long), 1,
        int(map_size[0]), int(map_size[1]), stride)
    return radius[index].float()


def predicted_points(result: PSAMResult, logit_thr: float = 0.0) -> Tensor:
    """(N, 2) (x, y) centres of the cells with logit > ``logit_thr`` that
    cover the unpadded input, as ``PointClassificationHead`` predicts."""
    return cell_points(result.logit_map, result.stride, result.img_shape,
                       logit_thr)[0]


def psam_spread(result: PSAMResult,
                radius: Optional[float] = None,
                logit_thr: float = 0.0,
                min_radius: float = 8.0,
                max_radius: float = 96.0) -> Dict[str, Tensor]:
    """Both spread scalars of every map of ``result``.

    Args:
        radius (float, optional): r in pixels for every point; by default
            each point's :func:`p2r_radii` among the predicted points
            (logit > ``logit_thr``).

    Returns:
        dict: ``radius``, ``mass_within`` and ``effective_area`` (pixels),
        each (K,) float.
    """
    if radius is None:
        radii = p2r_radii(
            result.points, predicted_points(result, logit_thr),
            image_cells(result.img_shape, result.stride,
                        result.logit_map.shape), result.stride,
            min_radius, max_radius)
    else:
        radii = torch.full((len(result.points), ), float(radius))
    radii = radii.to(result.maps.device)
    return dict(radius=radii,
                mass_within=mass_within(result.maps, result.points, radii),
                effective_area=effective_area(result.maps))


def model_radius_range(model) -> Dict[str, float]:
    """``min_radius``/``max_radius`` of the model's region assigner (the
    regions its P2R loss trained it with), or P2R's defaults for models
    trained otherwise."""
    loss = getattr(getattr(predicting_counter(model), 'head', None),
                   'loss_fn', None)
    assigner = getattr(loss, 'assigner', None)
    return dict(min_radius=float(getattr(assigner, 'min_radius', 8.0)),
                max_radius=float(getattr(assigner, 'max_radius', 96.0)))
