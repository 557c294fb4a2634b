"""Per-cell loss weights that silence the cut-out part of a strong view."""
from typing import Optional, Sequence, Union

import torch

Box = Optional[Sequence[int]]


def cutout_cell_weights(boxes: Sequence[Box], h: int, w: int, stride: int,
                        device: Union[str, torch.device, None] = None
                        ) -> torch.Tensor:
    """Weights of the cells of a stride-``stride`` map, 0 where cut out.

    Cell (i, j) covers input pixels [j*s, j*s + s) x [i*s, i*s + s); it
    gets weight 0 if at least half of its area (s*s / 2 pixels) lies in
    its image's box, else 1, so that a cell whose pixels are mostly gone
    is not supervised (the P2R paper gives cut pixels weight 0).

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
    cut = 2 * area >= stride * stride
    return (~cut).to(torch.float32)[:, None]
