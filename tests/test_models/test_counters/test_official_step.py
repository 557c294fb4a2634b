"""One full SemiPointCounter training step (both branches, a cutout, an
unlabelled crop without pseudo-points, 0 < w < 2) against a re-computation
written from the rules of the published P2R code (Elin24/P2RLoss, commit
1a775a8: ``main.py``'s training step, ``losses/p2rloss.py``), using none of
p2r_mm's loss, pseudo-label or cutout code.

The rules, as docs/recipe.md states them:

- pseudo-points: the teacher's cells with logit >= 0, in row-major order
  (row, then column), at (row, col) * 4 + 1.5; confident (weight 1) when
  the logit exceeds 0.8472978603872036, else weight 0;
- the student sees the *normalised* strong view times the cut mask (cut
  pixels 0); a cell is supervised when avg_pool(kept mask) >= 0.5;
- per image, with points: every cell goes to its nearest point (the first
  point on a tie) if closer than 96 px; radius = that point's farthest
  cell, clamped to [8, 96]; cost (d / radius) * 8 - logit; the first cell
  of lowest cost of each region is the positive; weight (positive + 1)
  * owner's confidence (1 for cells of no region) * cell mask; loss the
  mean weighted BCE over the cells;
- per image, without points: 0.5 * mean BCE against 0, no mask;
- a branch's loss is the mean over its images; total
  (L_sup + w L_unsup) / (1 + w).
"""
import pytest
import torch
import torch.nn.functional as F

from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from .test_semi_point_counter import COUNTER

STRIDE = 4
CONFIDENT_LOGIT = 0.8472978603872036  # sigmoid = 0.7


def official_image_loss(logit_map, points_rc, conf=None, cell_mask=None):
    """One image. ``points_rc``: (N, 2) (row, col) pixel coordinates."""
    h, w = logit_map.shape
    A = logit_map.reshape(-1)
    if len(points_rc) == 0:
        return 0.5 * F.binary_cross_entropy_with_logits(
            A, torch.zeros_like(A))
    rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w),
                                indexing='ij')
    cells = torch.stack([rows, cols], -1).reshape(-1, 2).float() * STRIDE \
        + (STRIDE - 1) / 2
    with torch.no_grad():
        D = torch.cdist(cells.double(), points_rc.double()).float()
        d_min = D.min(dim=1).values
        # the first of the nearest points (argmax of the first True)
        nearest = (D == d_min[:, None]).int().argmax(dim=1)
        member = d_min < 96
        T = torch.zeros(h * w)
        point_w = torch.ones(h * w)
        for k in range(len(points_rc)):
            region = (member & (nearest == k)).nonzero().flatten()
            if len(region) == 0:
                continue
            radius = d_min[region].max().clamp(8, 96)
            cost = (D[region, k] / radius) * 8 - A.detach()[region]
            first_lowest = region[(cost == cost.min()).nonzero()[0, 0]]
            T[first_lowest] = 1
            if conf is not None:
                point_w[region] = conf[k]
        W = (T + 1) * point_w
        if cell_mask is not None:
            W = W * cell_mask.reshape(-1)
    return F.binary_cross_entropy_with_logits(A, T, weight=W)


def official_step(student, teacher_logits, sup, sup_points_xy, weak_unused,
                  strong, box, weight):
    l_sup = torch.stack([
        official_image_loss(m[0], p.flip(1))
        for m, p in zip(student._forward(sup), sup_points_xy)]).mean()
    kept = torch.ones(strong.shape[0], 1, *strong.shape[-2:])
    x0, y0, x1, y1 = box
    kept[:, :, y0:y1, x0:x1] = 0
    cell_mask = F.avg_pool2d(kept, STRIDE, STRIDE) >= 0.5
    s_logits = student._forward(strong * kept)
    losses = []
    for b, t in enumerate(teacher_logits[:, 0]):
        rc = torch.nonzero(t >= 0)
        conf = (t[rc[:, 0], rc[:, 1]] > CONFIDENT_LOGIT).float()
        losses.append(official_image_loss(
            s_logits[b, 0], rc.float() * STRIDE + (STRIDE - 1) / 2, conf,
            cell_mask[b, 0].float()))
    l_unsup = torch.stack(losses).mean()
    return (l_sup + weight * l_unsup) / (1 + weight), l_sup, l_unsup


def fixed_batch():
    g = torch.Generator().manual_seed(3)
    sup, weak, strong = torch.randn(3, 2, 3, 64, 64, generator=g)
    sup_points = [torch.rand(9, 2, generator=g) * 63,
                  torch.rand(4, 2, generator=g) * 63]
    teacher_logits = torch.randn(2, 1, 16, 16, generator=g) - 0.6
    teacher_logits[1] = -2.0  # the teacher sees no head in crop 1
    # Box edges half-way into cells (x 6, 38; y 2, 26): the official rule
    # keeps those cells.
    box = (6, 2, 38, 26)
    return sup, sup_points, weak, strong, teacher_logits, box


def sample(**kwargs):
    points = kwargs.pop('points', None)
    s = CrowdDataSample(metainfo=dict(img_shape=(64, 64), **kwargs))
    if points is not None:
        s.gt_points = points
        s.gt_count = len(points)
    return s


@pytest.mark.parametrize('backend', ['kdtree', 'window'])
def test_one_training_step_equals_the_official_rules(backend):
    torch.manual_seed(0)
    counter = dict(COUNTER, head=dict(
        COUNTER['head'], loss=dict(type='P2RLoss', nn_backend=backend)))
    model = MODELS.build(dict(
        type='SemiPointCounter', counter=counter,
        semi_train_cfg=dict(teacher_init='independent', cutout_fill=0.0)))
    model.init_weights()
    model.train()
    sup, sup_points, weak, strong, teacher_logits, box = fixed_batch()
    model.teacher._forward = lambda x: teacher_logits
    model.unsup_weight = 0.37
    model.unsup_started = True
    inputs = dict(sup=sup, unsup_teacher=weak, unsup_student=strong)
    samples = dict(sup=[sample(points=p) for p in sup_points],
                   unsup_teacher=[sample(), sample()],
                   unsup_student=[sample(cutout_box=box),
                                  sample(cutout_box=box)])
    got = model.loss(inputs, samples)

    expected, l_sup, l_unsup = official_step(
        model.student, teacher_logits, sup, sup_points, weak, strong, box,
        0.37)
    n_pseudo = int((teacher_logits[0] >= 0).sum())
    assert got['pseudo_points'].item() == pytest.approx(n_pseudo / 2)
    assert n_pseudo > 30
    assert got['sup'].item() == pytest.approx(l_sup.item(), rel=1e-6)
    assert got['unsup'].item() == pytest.approx(l_unsup.item(), rel=1e-6)
    assert got['loss_semi'].item() == pytest.approx(expected.item(),
                                                    rel=1e-6)
    # and the gradient the optimiser gets
    params = [model.student.head.cls.weight,
              model.student.backbone.features[0].weight]
    got_grads = torch.autograd.grad(got['loss_semi'], params)
    want_grads = torch.autograd.grad(expected, params)
    for a, b in zip(got_grads, want_grads):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-9)
