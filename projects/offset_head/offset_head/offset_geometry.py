"""Offsets at cells, and points back to the original image.

Convention (p2r_mm's): points are (x, y) float32 in input pixels; cell
(i, j) of a stride-``s`` map is centred at ``(j*s + (s-1)/2, i*s + (s-1)/2)``.
An offset map holds, per cell, (dx, dy) in input pixels from that centre.
"""
from typing import Tuple

import torch
from torch import Tensor

from p2r_mm.structures import CrowdDataSample, input_to_original


def offsets_at_cells(offset_map: Tensor, centres: Tensor,
                     stride: int) -> Tensor:
    """The (dx, dy) of the cells whose centres are ``centres``.

    The cell of a centre is found by inverting the centre formula (exact:
    centres are ``index * s + (s - 1) / 2``), so any list of cell centres
    (from :func:`~p2r_mm.models.utils.cell_points` or
    ``pseudo_points_from_logits``) gets its own cells' offsets in its own
    order, whatever selection produced it.

    Args:
        offset_map (Tensor): (2, h, w) (dx, dy) per cell, input pixels.
        centres (Tensor): (N, 2) (x, y) cell centres, input pixels.
        stride (int): input pixels per cell.

    Returns:
        Tensor: (N, 2) (dx, dy), the offset map's dtype.
    """
    if offset_map.dim() != 3 or offset_map.shape[0] != 2:
        raise ValueError('offset_map must have shape (2, h, w), got '
                         f'{tuple(offset_map.shape)}')
    centres = centres.reshape(-1, 2)
    index = torch.round((centres - (stride - 1) / 2) / stride).long()
    j, i = index[:, 0], index[:, 1]
    h, w = offset_map.shape[-2:]
    if len(index) and (i.min() < 0 or j.min() < 0 or i.max() >= h
                       or j.max() >= w):
        raise ValueError(f'cell centres outside the {h}x{w} offset map')
    return offset_map[:, i, j].t()


def points_to_original(points: Tensor, sample: CrowdDataSample,
                       map_size: Tuple[int, int], stride: int,
                       rescale: bool = True) -> Tensor:
    """Input-pixel points of ``sample`` to original-image pixels, exactly
    as ``PointClassificationHead.predict_by_feat`` maps its points:
    undo the flip (with the unpadded input width) and the resize when
    ``rescale`` and the sample has a ``scale_factor``; else unchanged.

    Args:
        points (Tensor): (N, 2) (x, y), input pixels.
        sample (CrowdDataSample): its metainfo (``img_shape``,
            ``scale_factor``, ``flip``).
        map_size (tuple): (h, w) of the cell map, which gives the input
            size when the sample has no ``img_shape``.
        stride (int): input pixels per cell.
        rescale (bool): map to the original image.
    """
    if not (rescale and 'scale_factor' in sample.metainfo):
        return points
    img_w = sample.metainfo.get(
        'img_shape', (map_size[0] * stride, map_size[1] * stride))[1]
    return input_to_original(points, sample.scale_factor,
                             flip=sample.metainfo.get('flip', False),
                             input_width=img_w)
