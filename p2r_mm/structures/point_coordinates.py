"""Mapping points between the original image and the network input.

Points use pixel-index coordinates: pixel (row i, column j) is centred at
(x, y) = (j, i). Resizing by (sx, sy) maps pixel centres as
x' = (x + 0.5) * sx - 0.5, which is how cv2/mmcv resize samples.
"""
from typing import Sequence

import torch
from torch import Tensor


def input_to_original(points: Tensor, scale_factor: Sequence[float],
                      flip: bool = False, input_width: int = 0) -> Tensor:
    """Undo a test pipeline (resize, then optionally a horizontal flip).

    Args:
        points (Tensor): (N, 2) (x, y) in network-input pixels.
        scale_factor (Sequence[float]): (w_scale, h_scale), original to
            input.
        flip (bool): whether the input was flipped horizontally.
        input_width (int): width of the (unpadded) input, needed to undo
            the flip.

    Returns:
        Tensor: (N, 2) in original-image pixels.
    """
    points = points.clone()
    if flip:
        points[:, 0] = input_width - 1 - points[:, 0]
    scale = torch.as_tensor(scale_factor, dtype=points.dtype,
                            device=points.device).reshape(1, 2)
    return (points + 0.5) / scale - 0.5
