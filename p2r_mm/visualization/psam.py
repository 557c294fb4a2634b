"""Point-Specific Activation Maps (PSAM), the P2R paper's diagnosis tool.

For a cell q of the stride-s logit map (logit L(q)) and the output F
(C x h' x w') of a chosen layer,

    PSAM_q = ReLU( sum_c dL(q)/dF[c] * F[c] )      (h' x w'),

upsampled (bilinear) to the network input: the image regions that make the
model believe a head is centred at q. A model that over-activates (P2P
pseudo-labels) gives diffuse maps; see :mod:`.psam_spread` for the numbers.

All the queries of one image share one forward pass; their gradients come
from one batched backward pass per chunk (``is_grads_batched``), so K points
cost far less than K backward passes. Coordinates are network-input pixels,
pixel (row i, column j) centred at (x, y) = (j, i); cells follow
:mod:`p2r_mm.models.utils.cell_geometry`.
"""
from contextlib import contextmanager
from typing import NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from p2r_mm.models.utils import cells_to_points, image_cells, points_to_cells


class PSAMResult(NamedTuple):
    """PSAMs of K query cells of one image.

    Attributes:
        maps: (K, H, W) float, >= 0, at network-input resolution (cropped
            to ``img_shape`` when it was given).
        raw: (K, h', w') float, >= 0, at the layer's resolution.
        cells: (K, 2) long, (i, j) cell indices of the queries.
        points: (K, 2) float, (x, y) cell centres, input pixels.
        logits: (K,) float, L(q) of each query.
        logit_map: (h, w) float, every cell's logit (for predicted points).
        stride: s, input pixels per cell.
        img_shape: (H, W) of the unpadded input in pixels.
    """
    maps: Tensor
    raw: Tensor
    cells: Tensor
    points: Tensor
    logits: Tensor
    logit_map: Tensor
    stride: int
    img_shape: Tuple[int, int]


def predicting_counter(model: nn.Module) -> nn.Module:
    """The module that predicts: unwraps DDP-style wrappers and takes a
    ``SemiPointCounter``'s ``predictor`` (the model its ``forward``
    predicts with). Anything with ``_forward(inputs) -> (B, 1, h, w)``
    logits and a ``stride`` attribute is accepted as it is."""
    if is_model_wrapper(model):
        model = model.module
    model = getattr(model, 'predictor', model)
    if not hasattr(model, '_forward'):
        raise TypeError(f'{type(model).__name__} has no _forward(inputs) '
                        '-> logits: not a p2r_mm counter')
    return model


def top_k_cells(logit_map: Tensor, k: int,
                valid_size: Optional[Sequence[int]] = None) -> Tensor:
    """The k cells of highest logit (whether above the threshold or not),
    highest first, among the ``valid_size`` (h, w) cells that cover the
    image. Returns (min(k, cells), 2) long (i, j)."""
    h, w = valid_size or logit_map.shape[-2:]
    valid = logit_map.reshape(logit_map.shape[-2:])[:h, :w].detach()
    idx = valid.reshape(-1).topk(min(k, h * w)).indices
    return torch.stack([idx // w, idx % w], dim=1)


def compute_psam(model: nn.Module,
                 inputs: Tensor,
                 points: Optional[Tensor] = None,
                 cells: Optional[Tensor] = None,
                 top_k: Optional[int] = None,
                 layer: str = 'neck',
                 chunk_size: int = 16,
                 img_shape: Optional[Sequence[int]] = None) -> PSAMResult:
    """PSAMs of one image for K query cells (give exactly one of
    ``points``, ``cells`` or ``top_k``).

    The counter runs in eval mode; only the captured feature map requires
    a gradient, so no parameter receives one, and the training mode and
    ``requires_grad`` flags are restored afterwards.

    Args:
        model (nn.Module): a counter (see :func:`predicting_counter`).
        inputs (Tensor): (1, 3, H, W) or (3, H, W), preprocessed
            (normalised, padded) as the model expects.
        points (Tensor, optional): (K, 2) (x, y) input pixels; each
            selects the cell that holds it.
        cells (Tensor, optional): (K, 2) long (i, j).
        top_k (int, optional): the k cells of highest logit.
        layer (str): dotted path of the module whose (1, C, h', w') output
            is F, relative to the counter: 'neck', 'neck.fuse',
            'backbone.features.32', ...
        chunk_size (int): queries per backward pass (bounds memory).
        img_shape (tuple, optional): (H, W) of the unpadded input; top-k
            ignores padding cells and ``maps`` are cropped to it.
    """
    if sum(x is not None for x in (points, cells, top_k)) != 1:
        raise ValueError('give exactly one of points, cells or top_k')
    counter = predicting_counter(model)
    stride = int(counter.stride)
    inputs = inputs.detach()
    if inputs.dim() == 3:
        inputs = inputs[None]
    if inputs.shape[0] != 1:
        raise ValueError(f'one image at a time, got a batch of '
                         f'{inputs.shape[0]}')
    img_shape = tuple(img_shape or inputs.shape[-2:])[:2]
    with _gradient_only_at(counter, layer) as captured:
        logits = counter._forward(inputs)
        feat = captured['feat']
        logit_map = logits[0, 0]
        if top_k is not None:
            cells = top_k_cells(logit_map, top_k, image_cells(
                img_shape, stride, logit_map.shape))
        elif points is not None:
            cells = points_to_cells(points, stride, logit_map.shape)
        cells = _checked_cells(cells, logit_map.shape).to(logits.device)
        if not logits.requires_grad:
            raise ValueError(f'the logits do not depend on layer {layer!r}')
        raw = _batched_psam(logit_map[cells[:, 0], cells[:, 1]], feat,
                            chunk_size)
    maps = F.interpolate(raw[:, None], size=inputs.shape[-2:],
                         mode='bilinear', align_corners=False)[:, 0]
    return PSAMResult(
        maps=maps[:, :img_shape[0], :img_shape[1]], raw=raw, cells=cells,
        points=cells_to_points(cells, stride, raw.dtype),
        logits=logit_map[cells[:, 0], cells[:, 1]].detach(),
        logit_map=logit_map.detach(), stride=stride, img_shape=img_shape)


def _checked_cells(cells, map_size: Sequence[int]) -> Tensor:
    cells = torch.as_tensor(cells, dtype=torch.long).cpu().reshape(-1, 2)
    bad = ((cells < 0) | (cells >= torch.tensor(tuple(map_size)))).any(1)
    if bad.any():
        raise ValueError(f'cells {cells[bad].tolist()} lie outside the '
                         f'{tuple(map_size)} logit map')
    return cells


def _batched_psam(selected: Tensor, feat: Tensor,
                  chunk_size: int) -> Tensor:
    """(K,) logits and (1, C, h', w') F -> (K, h', w') PSAMs."""
    feat_value = feat.detach()[0]
    out = []
    for start in range(0, len(selected), max(1, chunk_size)):
        chunk = selected[start:start + chunk_size]
        # Row k of the identity asks for d chunk[k] / dF: one vmapped
        # backward pass gives the (n, 1, C, h', w') Jacobian rows.
        eye = torch.eye(len(chunk), dtype=chunk.dtype, device=chunk.device)
        (grad, ) = torch.autograd.grad(
            chunk, feat, grad_outputs=eye, is_grads_batched=True,
            retain_graph=True)
        out.append(torch.relu((grad[:, 0] * feat_value).sum(1)))
    if not out:
        return feat_value.new_zeros((0, ) + feat_value.shape[-2:])
    return torch.cat(out)


@contextmanager
def _gradient_only_at(counter: nn.Module, layer: str):
    """The counter in eval mode with frozen parameters, and the output of
    ``layer`` replaced by a leaf that requires grad (so the graph starts
    there and holds nothing of the layers before it). Yields a dict that
    receives it as ``'feat'``; modes and flags are restored on exit."""
    try:
        module = counter.get_submodule(layer)
    except AttributeError as e:
        raise ValueError(f'{type(counter).__name__} has no layer '
                         f'{layer!r}: {e}') from e
    captured = {}

    def hook(module, args, output):
        if not isinstance(output, Tensor) or output.dim() != 4:
            raise TypeError(
                f'layer {layer!r} outputs {type(output).__name__}, PSAM '
                'needs a (1, C, h, w) tensor: name a layer inside it')
        if 'feat' in captured:
            raise RuntimeError(
                f'layer {layer!r} runs more than once per forward pass')
        captured['feat'] = output.detach().requires_grad_(True)
        # A clone, so that an in-place op after the layer
        # (ReLU(inplace=True)) does not modify the leaf.
        return captured['feat'].clone()

    modes = [(m, m.training) for m in counter.modules()]
    flags = [(p, p.requires_grad) for p in counter.parameters()]
    counter.eval()
    counter.requires_grad_(False)
    handle = module.register_forward_hook(hook)
    try:
        with torch.enable_grad():
            yield captured
    finally:
        handle.remove()
        for p, flag in flags:
            p.requires_grad_(flag)
        for m, mode in modes:
            m.training = mode
