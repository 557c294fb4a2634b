"""Direct (cells x points matrix) implementations of the losses, written
step by step from their definitions, to check the scalable ones against."""
import itertools

import torch
import torch.nn.functional as F

# cdist's default matrix-product mode is only accurate to ~1e-5.
EXACT = 'donot_use_mm_for_euclid_dist'


def centers_of(h, w, stride):
    off = (stride - 1) / 2
    return torch.tensor([[j * stride + off, i * stride + off]
                         for i in range(h) for j in range(w)],
                        dtype=torch.float32)


def _image_loss(L, T, W, h, w):
    return (W * F.binary_cross_entropy_with_logits(
        L, T, reduction='none')).sum() / (h * w)


def p2r_reference(logits, points, stride, point_weights=None,
                  pixel_weights=None, min_radius=8.0, max_radius=96.0,
                  cost_point=8.0, cost_class=1.0, pos_weight=2.0,
                  empty_weight=0.5, loss_weight=1.0):
    B, _, h, w = logits.shape
    C = centers_of(h, w, stride)
    losses = []
    for b in range(B):
        L = logits[b, 0].reshape(-1)
        pix = (torch.ones(h * w) if pixel_weights is None else
               pixel_weights[b, 0].reshape(-1))
        P = points[b].reshape(-1, 2).float()
        if len(P) == 0:  # the official empty branch: no pixel weights
            zeros = torch.zeros(h * w)
            losses.append(empty_weight *
                          _image_loss(L, zeros, torch.ones(h * w), h, w))
            continue
        pw = (torch.ones(len(P)) if point_weights is None else
              point_weights[b].float())
        D = torch.cdist(C, P, compute_mode=EXACT)  # step 1: the full matrix
        d, k = D.min(dim=1)  # ties: the first point, as the official min
        member = d < max_radius
        T = torch.zeros(h * w)
        W = torch.ones(h * w)
        for p in range(len(P)):
            region = (member & (k == p)).nonzero().flatten()
            if len(region) == 0:
                continue
            rho = d[region].max().clamp(min_radius, max_radius)  # step 2
            cost = ((d[region] / rho) * cost_point -
                    L.detach()[region] * cost_class)  # step 3
            T[region[cost.argmin()]] = 1.0  # step 4: ties: the first cell
            W[region] = pw[p]
        W = W * torch.where(T > 0, torch.tensor(pos_weight), torch.tensor(1.))
        losses.append(_image_loss(L, T, W * pix, h, w))  # steps 5-6
    return loss_weight * torch.stack(losses).mean()  # step 7


def p2p_reference_targets(logits, points, stride, cost_point=0.05,
                          cost_class=1.0):
    """Optimal one-to-one matching by enumerating every injective map from
    points to cells (tiny inputs only). Returns (T, matched point) per
    cell for a single image."""
    _, _, h, w = logits.shape
    C = centers_of(h, w, stride)
    P = points[0].float()
    prob = logits[0, 0].reshape(-1).sigmoid()
    D = torch.cdist(C, P, compute_mode=EXACT)
    cost = cost_point * D - cost_class * prob[:, None]
    best, best_cells = None, None
    for cells in itertools.permutations(range(h * w), len(P)):
        total = sum(cost[c, k] for k, c in enumerate(cells))
        if best is None or total < best:
            best, best_cells = total, cells
    T = torch.zeros(h * w)
    owner = torch.full((h * w, ), -1)
    for k, c in enumerate(best_cells):
        T[c] = 1.0
        owner[c] = k
    return T, owner
