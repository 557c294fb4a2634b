import math

import pytest
import torch
import torch.nn.functional as F

from p2r_mm.models.losses import P2RLoss
from p2r_mm.registry import MODELS
from .reference import p2r_reference

LN2 = math.log(2.0)


def random_case(seed, B=3, h=13, w=11, stride=4, counts=(5, 0, 17),
                weights=False, pixels=False, spill=20.0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(B, 1, h, w, generator=g) * 2
    points = []
    for n in counts[:B]:
        xy = torch.rand(n, 2, generator=g)
        xy[:, 0] = xy[:, 0] * (w * stride + 2 * spill) - spill
        xy[:, 1] = xy[:, 1] * (h * stride + 2 * spill) - spill
        points.append(xy)
    pw = ([torch.rand(len(p), generator=g) for p in points]
          if weights else None)
    pix = ((torch.rand(B, 1, h, w, generator=g) > 0.3).float()
           if pixels else None)
    return logits, points, pw, pix


# ---------------------------------------------------------------- by hand
def test_hand_case_positive_at_nearest_cell():
    # 2x2 map, stride 4; the point sits on the centre of cell (0, 0).
    # d = 0, 4, 4, 4*sqrt(2); radius = clamp(5.66, 8, 96) = 8;
    # cost = d (logits 0) -> cell (0, 0) positive, weight 2.
    loss = P2RLoss()(torch.zeros(1, 1, 2, 2), [torch.tensor([[1.5, 1.5]])], 4)
    assert loss.item() == pytest.approx((2 + 1 + 1 + 1) * LN2 / 4, rel=1e-6)


def test_hand_case_confident_logit_moves_the_positive():
    # cost of cell (1, 1) = 8 * 5.657 / 8 - 10 < 0 = cost of cell (0, 0).
    logits = torch.tensor([[[[0., 0.], [0., 10.]]]])
    loss = P2RLoss()(logits, [torch.tensor([[1.5, 1.5]])], 4)
    expected = (3 * LN2 + 2 * F.softplus(torch.tensor(-10.)).item()) / 4
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_hand_case_cells_beyond_max_radius_have_no_point_weight():
    # max_radius 5: cell (1, 1) (d = 5.66) belongs to no region, so the
    # point weight 0.5 reaches cells 0..2 only: W = [1, .5, .5, 1].
    loss = P2RLoss(min_radius=2, max_radius=5)(
        torch.zeros(1, 1, 2, 2), [torch.tensor([[1.5, 1.5]])], 4,
        point_weights=[torch.tensor([0.5])])
    assert loss.item() == pytest.approx(3 * LN2 / 4, rel=1e-6)


def test_hand_case_radius_normalises_distance():
    # 1x3 map, stride 4, point on cell 0: d = 0, 4, 8, radius 8 ->
    # normalised cost 0, 4, 8 minus logits [0, 3.9, 8.5]: cell 2 wins
    # (-0.5 < 0 < 0.1).
    logits = torch.tensor([[[[0., 3.9, 8.5]]]])
    loss = P2RLoss(loss_weight=3.0)(logits, [torch.tensor([[1.5, 1.5]])], 4)
    bce = F.binary_cross_entropy_with_logits(
        logits.flatten(), torch.tensor([0., 0., 1.]), reduction='none')
    expected = 3.0 * (bce[0] + bce[1] + 2 * bce[2]) / 3
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


def test_empty_image_uses_empty_weight_and_no_pixel_weights():
    # The official empty branch: 0.5 x BCE against 0 over every cell, the
    # cutout mask not applied; an image with points keeps its mask.
    logits = torch.randn(2, 1, 4, 5)
    pix = torch.zeros(2, 1, 4, 5)
    pix[..., :2] = 1
    loss = P2RLoss(empty_weight=0.25)(
        logits, [torch.zeros(0, 2), torch.tensor([[1.5, 1.5]])], 8,
        pixel_weights=pix)
    empty = 0.25 * F.softplus(logits[0]).sum() / 20
    with_points = P2RLoss()(logits[1:], [torch.tensor([[1.5, 1.5]])], 8,
                            pixel_weights=pix[1:])
    expected = (empty + with_points) / 2
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


# ------------------------------------------------- against the reference
@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('backend', ['kdtree', 'window'])
def test_matches_reference(seed, backend):
    logits, points, pw, pix = random_case(
        seed, weights=seed % 2 == 0, pixels=seed % 3 == 0)
    loss = P2RLoss(nn_backend=backend)(logits, points, 4, pw, pix)
    ref = p2r_reference(logits, points, 4, pw, pix)
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize('stride,h,w', [(1, 9, 7), (2, 10, 13), (8, 6, 9)])
def test_matches_reference_other_strides_and_radii(stride, h, w):
    logits, points, pw, pix = random_case(
        7, h=h, w=w, stride=stride, counts=(30, 3, 1), weights=True)
    kwargs = dict(min_radius=3.0, max_radius=11.0, cost_point=5.0,
                  cost_class=2.0, pos_weight=3.0, empty_weight=0.7)
    for backend in ('kdtree', 'window'):
        loss = P2RLoss(nn_backend=backend, **kwargs)(logits, points, stride,
                                                     pw, pix)
        ref = p2r_reference(logits, points, stride, pw, pix, **kwargs)
        assert loss.item() == pytest.approx(ref.item(), rel=1e-5)


def test_more_points_than_cells():
    logits, points, _, _ = random_case(3, B=1, h=3, w=4, counts=(60, ))
    loss = P2RLoss()(logits, points, 4)
    assert loss.item() == pytest.approx(
        p2r_reference(logits, points, 4).item(), rel=1e-5)


# ------------------------------------------------------------- properties
def test_invariant_to_point_order():
    logits, points, pw, pix = random_case(11, weights=True, pixels=True)
    perms = [torch.randperm(len(p)) for p in points]
    loss = P2RLoss()(logits, points, 4, pw, pix)
    shuffled = P2RLoss()(logits, [p[i] for p, i in zip(points, perms)], 4,
                         [w[i] for w, i in zip(pw, perms)], pix)
    assert shuffled.item() == pytest.approx(loss.item(), rel=1e-6)


def test_point_beyond_reach_contributes_nothing():
    logits, points, _, _ = random_case(5, spill=0.0)
    loss = P2RLoss()(logits, points, 4)
    far = torch.tensor([[-500.0, 20.0], [30.0, 10_000.0]])
    moved = [torch.cat([points[0], far])] + points[1:]
    assert P2RLoss()(logits, moved, 4).item() == pytest.approx(
        loss.item(), rel=1e-6)


def test_batch_is_mean_of_images():
    logits, points, pw, pix = random_case(2, weights=True, pixels=True)
    loss_fn = P2RLoss()
    whole = loss_fn(logits, points, 4, pw, pix)
    parts = [
        loss_fn(logits[b:b + 1], points[b:b + 1], 4, pw[b:b + 1],
                pix[b:b + 1]) for b in range(3)
    ]
    assert whole.item() == pytest.approx(
        torch.stack(parts).mean().item(), rel=1e-6)


def test_zero_point_weight_and_cutout_silence_cells():
    logits, points, _, _ = random_case(4, B=1, counts=(8, ))
    zero_pw = [torch.zeros(8)]
    # All cells within reach of a zero-confidence point are ignored and
    # the pixel mask removes the rest: nothing is left to supervise.
    loss = P2RLoss(max_radius=1000)(logits, points, 4, zero_pw)
    assert loss.item() == 0.0
    loss = P2RLoss()(logits, points, 4,
                     pixel_weights=torch.zeros_like(logits))
    assert loss.item() == 0.0


def test_gradient_is_weighted_bce_gradient_with_fixed_targets():
    logits, points, pw, pix = random_case(9, weights=True, pixels=True)
    logits.requires_grad_(True)
    loss_fn = P2RLoss(loss_weight=2.0)
    loss_fn(logits, points, 4, pw, pix).backward()
    B, _, h, w = logits.shape
    with torch.no_grad():
        flat = logits.detach().reshape(B, h, w)
        counts = [len(p) for p in points]
        batch = torch.repeat_interleave(torch.arange(B), torch.tensor(counts))
        targets = loss_fn.assign(flat, torch.cat(points), batch, 4)
    # Recompute with the targets frozen as constants: the gradient must be
    # the same, i.e. nothing flows through the target selection.
    T = targets.target.reshape(B, 1, h, w)
    has_points = torch.tensor([n > 0 for n in counts]).reshape(B, 1, 1, 1)
    # the pixel weights apply to images with points only
    W = torch.where(T > 0, 2.0, 1.0) * torch.where(has_points, pix, 1.0)
    owned = targets.owner >= 0
    pwc = torch.ones(B * h * w)
    pwc[owned] = torch.cat(pw)[targets.owner[owned]]
    W = W * pwc.reshape(B, 1, h, w)
    empty = torch.tensor([n == 0 for n in counts]).float()
    scale = (1 - empty + 0.5 * empty).reshape(B, 1, 1, 1)
    expected = 2.0 * scale * W * (logits.detach().sigmoid() - T) / (h * w) / B
    assert torch.allclose(logits.grad, expected, atol=1e-7, rtol=1e-5)


def test_gradients_finite_for_extreme_logits():
    logits, points, _, _ = random_case(1)
    logits = (logits * 1e4).requires_grad_(True)
    loss = P2RLoss()(logits, points, 4)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


# --------------------------------------------------------- config, errors
def test_built_from_registry():
    loss = MODELS.build(dict(type='P2RLoss', min_radius=4, max_radius=50))
    assert isinstance(loss, P2RLoss) and loss.assigner.max_radius == 50


@pytest.mark.parametrize('kwargs,message', [
    (dict(points=[torch.tensor([[1., float('nan')]])]), 'NaN'),
    (dict(points=[torch.zeros(2, 3)]), r'\(N, 2\)'),
    (dict(points=[]), 'batch of 1'),
    (dict(point_weights=[torch.tensor([1.5])]), r'\[0, 1\]'),
    (dict(point_weights=[torch.ones(3)]), '3 values for 1 points'),
    (dict(pixel_weights=torch.ones(1, 1, 2, 3)), 'shape of logits'),
])
def test_bad_input_is_rejected_with_a_clear_message(kwargs, message):
    args = dict(logits=torch.zeros(1, 1, 3, 3),
                points=[torch.tensor([[1., 1.]])], stride=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        P2RLoss()(**args)


def test_bad_configuration_is_rejected():
    with pytest.raises(ValueError, match='min_radius'):
        P2RLoss(min_radius=10, max_radius=5)
    with pytest.raises(ValueError, match='nn_backend'):
        P2RLoss(nn_backend='brute')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu():
    logits, points, pw, pix = random_case(3, weights=True, pixels=True)
    cpu = P2RLoss()(logits, points, 4, pw, pix)
    cuda = P2RLoss()(logits.cuda(), [p.cuda() for p in points], 4,
                     [w.cuda() for w in pw], pix.cuda())
    assert cuda.item() == pytest.approx(cpu.item(), rel=1e-5)


@pytest.mark.parametrize('backend', ['kdtree', 'window'])
def test_half_logits_and_double_points(backend):
    # Under --amp the logits are fp16; points may come as float64.
    logits, points, pw, pix = random_case(12, weights=True)
    ref = P2RLoss(nn_backend=backend)(logits.half().float(), points, 4, pw)
    got = P2RLoss(nn_backend=backend)(logits.half(),
                                      [p.double() for p in points], 4, pw)
    assert got.dtype == torch.float32
    assert got.item() == pytest.approx(ref.item(), rel=1e-5)


# ------------------------------------ pseudo-label-like, against the reference
def pseudo_label_case(seed, B=3, h=16, w=20, stride=4):
    """What the unlabelled branch feeds the loss: points on cell centres in
    row-major order (the teacher's cells with logit >= 0), binary
    confidences, a cutout whose edges may lie half-way into a cell, the
    student's logits constant inside it (a blanked input), and one image
    without pseudo-points."""
    from p2r_mm.models.utils import cell_points, cutout_cell_weights
    g = torch.Generator().manual_seed(seed)
    teacher = torch.randn(B, h, w, generator=g) - 0.8
    teacher[-1] = -1.0  # no pseudo-point at all
    points, conf = [], []
    for t in teacher:
        pts, values = cell_points(t, stride, (h * stride, w * stride), 0.0,
                                  inclusive=True)
        points.append(pts)
        conf.append((values.sigmoid() > 0.7).float())
    boxes = []
    for _ in range(B):
        x0 = int(torch.randint(0, w * stride // 2, (1, ), generator=g))
        y0 = int(torch.randint(0, h * stride // 2, (1, ), generator=g))
        boxes.append((x0, y0, x0 + 2 + 4 * int(torch.randint(
            2, 6, (1, ), generator=g)), y0 + 2 + 4 * 3))
    pix = cutout_cell_weights(boxes, h, w, stride)
    logits = torch.randn(B, 1, h, w, generator=g) * 2
    logits = torch.where(pix > 0, logits, torch.tensor(-0.3))
    return logits, points, conf, pix


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('backend', ['kdtree', 'window'])
def test_matches_reference_on_pseudo_label_like_input(seed, backend):
    logits, points, conf, pix = pseudo_label_case(seed)
    assert sum(len(p) for p in points) > 20
    logits.requires_grad_(True)
    loss = P2RLoss(nn_backend=backend)(logits, points, 4, conf, pix)
    (grad, ) = torch.autograd.grad(loss, logits)
    ref_logits = logits.detach().clone().requires_grad_(True)
    ref = p2r_reference(ref_logits, points, 4, conf, pix)
    (ref_grad, ) = torch.autograd.grad(ref, ref_logits)
    assert loss.item() == pytest.approx(ref.item(), rel=1e-6)
    # Per cell, the gradient is weight * (sigmoid - target) / cells: a cell
    # handed to another point (another confidence) or another positive
    # would show here.
    assert torch.allclose(grad, ref_grad, rtol=1e-5, atol=1e-9)


def test_a_cell_tied_between_points_takes_the_first_points_confidence():
    # Cell (0, 1) is 4 px from both points; the first point (confidence 0)
    # owns it, so its loss is silenced; listed the other way round, the
    # confident point owns it.
    logits = torch.zeros(1, 1, 1, 3)
    points = torch.tensor([[1.5, 1.5], [9.5, 1.5]])
    kwargs = dict(min_radius=8.0, max_radius=96.0)
    for backend in ('kdtree', 'window'):
        loss_fn = P2RLoss(nn_backend=backend, **kwargs)
        first_unsure = loss_fn(logits, [points], 4, [torch.tensor([0., 1.])])
        first_sure = loss_fn(logits, [points.flip(0)], 4,
                             [torch.tensor([1., 0.])])
        # positives at cells 0 and 2; only the confident point's cells count
        assert first_unsure.item() == pytest.approx(2 * LN2 / 3, rel=1e-6)
        assert first_sure.item() == pytest.approx((2 * LN2 + LN2) / 3,
                                                  rel=1e-6)
