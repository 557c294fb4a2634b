"""Pseudo-points from a teacher's logit map."""
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

from .cell_geometry import cell_points


def pseudo_points_from_logits(
        logits: Tensor,
        stride: int,
        img_shapes: Sequence[Tuple[int, int]],
        logit_thr: float = 0.0,
        confidence_thr: float = 0.7) -> Tuple[List[Tensor], List[Tensor]]:
    """Every cell with logit >= ``logit_thr`` becomes a pseudo-point at its
    centre; its confidence is 1 if sigmoid(logit) > ``confidence_thr``,
    else 0 (P2R's binary confidence: such points still shape the regions
    but their cells are not supervised).

    Args:
        logits (Tensor): (B, 1, h, w) teacher logits.
        stride (int): input pixels per cell.
        img_shapes (Sequence[tuple]): unpadded (H, W) of each input; cells
            entirely in the padding give no points.
        logit_thr (float): pseudo-point threshold on the logit.
        confidence_thr (float): confidence threshold on the probability.

    Returns:
        tuple[list[Tensor], list[Tensor]]: per image, points (N, 2) (x, y)
        in input pixels and confidences (N,) in {0, 1}.
    """
    points, confidences = [], []
    for logit, img_shape in zip(logits[:, 0], img_shapes):
        pts, values = cell_points(logit, stride, img_shape, logit_thr,
                                  inclusive=True)
        points.append(pts)
        confidences.append(
            (torch.sigmoid(values) > confidence_thr).to(logits.dtype))
    return points, confidences
