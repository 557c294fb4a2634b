"""The cut-out part of a strong view: its per-cell loss weights, and its
pixels set in the normalised input."""
from typing import Optional, Sequence, Union

import torch

Box = Optional[Sequence[int]]


def cutout_cell_weights(boxes: Sequence[Box], h: int, w: int, stride: int,
                        device: Union[str, torch.device, None] = None
                        ) -> torch.Tensor:
    """Weights of the cells of a stride-``stride`` map, 0 where cut out.

    Cell (i, j) covers input pixels [j*s, j*s + s) x [i*s, i*s + s); it
    gets weight 0 if more than half of its area (s*s / 2 pixels) lies in
    its image's box, else 1: a cell whose pixels are mostly gone is not
    supervised, one exactly half cut still is, as in the official P2R code
    (Elin24/P2RLoss ``main.py``: ``avg_pool2d(cut_img_mask, ...) >= 0.5``
    keeps a cell whose kept fraction is at least one half).

    Args:
        boxes (Sequence): one entry per image: (x0, y0, x1, y1) in input
            pixels, x1 / y1 exclusive (``RandomCutout``'s ``cutout_box``),
            or None for an image without cutout.
        h (int): rows of the cell map.
        w (int): columns of the cell map.
        stride (int): input pixels per cell side.
        device: where to put the result. Defaults to the CPU.

    Returns:
        Tensor: (B, 1, h, w) float32 weights in {0, 1}, B = len(boxes).
    """
    # an empty box (x1 = x0) overlaps nothing: weight 1 everywhere
    rows = [(0, 0, 0, 0) if box is None else tuple(box) for box in boxes]
    if any(len(box) != 4 for box in rows):
        raise ValueError(f'each box must be (x0, y0, x1, y1), got {boxes}')
    box = torch.tensor(rows, dtype=torch.float32, device=device)
    box = box.reshape(-1, 4)
    x0, y0, x1, y1 = (v[:, None] for v in box.unbind(1))
    starts_x = torch.arange(w, device=box.device, dtype=box.dtype) * stride
    starts_y = torch.arange(h, device=box.device, dtype=box.dtype) * stride
    # overlap of each cell's pixel interval with the box, per axis: (B, w)
    # and (B, h); the area is their outer product. Whole pixel counts are
    # exact in float32, so the "half" test has no rounding error.
    over_x = (torch.minimum(x1, starts_x + stride) -
              torch.maximum(x0, starts_x)).clamp(min=0)
    over_y = (torch.minimum(y1, starts_y + stride) -
              torch.maximum(y0, starts_y)).clamp(min=0)
    area = over_y[:, :, None] * over_x[:, None, :]
    cut = 2 * area > stride * stride
    return (~cut).to(torch.float32)[:, None]


def fill_boxes(inputs: torch.Tensor, boxes: Sequence[Box],
               value: float) -> torch.Tensor:
    """A copy of ``inputs`` with each image's box set to ``value``.

    Args:
        inputs (Tensor): (B, C, H, W) normalised images.
        boxes (Sequence): one (x0, y0, x1, y1) per image in input pixels,
            x1 / y1 exclusive, or None.
        value (float): the value of the boxed pixels (0.0 after ImageNet
            normalisation is the mean colour).

    Returns:
        Tensor: (B, C, H, W), same dtype and device.
    """
    if len(boxes) != len(inputs):
        raise ValueError(f'got {len(boxes)} boxes for {len(inputs)} images')
    out = inputs.clone()
    for b, box in enumerate(boxes):  # one box per image, no pixel loop
        if box is not None:
            x0, y0, x1, y1 = (int(v) for v in box)
            out[b, :, y0:y1, x0:x1] = value
    return out
