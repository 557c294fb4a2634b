"""The cells of a (padded) logit map that belong to the image, and the
points they predict."""
import math
from typing import Sequence, Tuple

from torch import Tensor

from ..losses import cell_centers


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
        tuple[Tensor, Tensor]: points (N, 2) (x, y) in input pixels and
        their logits (N,).
    """
    h, w = image_cells(img_shape, stride, logit_map.shape)
    logits = logit_map[:h, :w].reshape(-1)
    keep = logits >= logit_thr if inclusive else logits > logit_thr
    centers = cell_centers(h, w, stride, logit_map.device, logit_map.dtype)
    return centers[keep], logits[keep]
