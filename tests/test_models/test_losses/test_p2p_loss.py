import math

import pytest
import torch
import torch.nn.functional as F

from p2r_mm.models.losses import P2PLoss
from p2r_mm.registry import MODELS
from .reference import p2p_reference_targets

LN2 = math.log(2.0)


def test_hand_case_nearest_cell_matched():
    # 1x3 map, stride 4, point on cell 2: cost = 0.05 * [8, 4, 0] - 0.5.
    loss = P2PLoss()(torch.zeros(1, 1, 1, 3), [torch.tensor([[9.5, 1.5]])], 4)
    assert loss.item() == pytest.approx((1 + 1 + 2) * LN2 / 3, rel=1e-6)


def test_hand_case_confident_cell_matched_and_unmatched_ignored():
    # cell 0 at sigmoid(10) ~ 1: cost 0.4 - 1 < 0 - 0.5 = cost of cell 2.
    logits = torch.tensor([[[[10., 0., 0.]]]])
    points = [torch.tensor([[9.5, 1.5]])]
    pos = 2 * F.softplus(torch.tensor(-10.)).item()
    loss = P2PLoss()(logits, points, 4)
    assert loss.item() == pytest.approx((pos + 2 * LN2) / 3, rel=1e-6)
    loss = P2PLoss(ignore_unmatched=True)(logits, points, 4)
    assert loss.item() == pytest.approx(pos / 3, rel=1e-6)


def test_one_to_one_matching_is_optimal():
    # Three points competing for the same few cells: the Hungarian match
    # must equal the best of all injective assignments.
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(1, 1, 2, 3, generator=g) * 3
    points = [torch.tensor([[2.0, 2.0], [3.0, 1.0], [2.5, 6.0]])]
    T, owner = p2p_reference_targets(logits, points, 4)
    loss_fn = P2PLoss(pos_weight=1.0)
    got = loss_fn.assign(logits[:, 0], points[0], torch.zeros(3).long(), 4)
    assert torch.equal(got.target, T)
    assert torch.equal(got.owner, owner)
    expected = F.binary_cross_entropy_with_logits(
        logits.flatten(), T, reduction='sum') / 6
    assert loss_fn(logits, points, 4).item() == pytest.approx(
        expected.item(), rel=1e-6)


def test_point_weights_pixel_weights_and_empty_images():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 1, 3, 3, generator=g) * 0.1  # keep d decisive
    points = [torch.tensor([[1.5, 1.5], [9.5, 9.5]]), torch.zeros(0, 2)]
    pw = [torch.tensor([0.0, 1.0]), torch.zeros(0)]
    pix = torch.ones(2, 1, 3, 3)
    pix[0, 0, 1, 1] = 0
    loss = P2PLoss()(logits, points, 4, pw, pix)
    # Image 0: point 0 matches cell 0 with weight 0, point 1 cell 8.
    T = torch.zeros(9)
    T[[0, 8]] = 1
    W = torch.ones(9)
    W[0], W[8], W[4] = 0.0, 2.0, 0.0
    bce0 = F.binary_cross_entropy_with_logits(logits[0].flatten(), T,
                                              reduction='none')
    img0 = (W * bce0).sum() / 9
    img1 = 0.5 * F.softplus(logits[1]).mean()
    assert loss.item() == pytest.approx(((img0 + img1) / 2).item(),
                                        rel=1e-6)


def test_ignore_unmatched_gives_no_signal_on_empty_images():
    logits = torch.randn(1, 1, 4, 4, requires_grad=True)
    loss = P2PLoss(ignore_unmatched=True)(logits, [torch.zeros(0, 2)], 4)
    loss.backward()
    assert loss.item() == 0.0 and not logits.grad.any()


def test_built_from_registry():
    loss = MODELS.build(dict(type='P2PLoss', ignore_unmatched=True))
    assert isinstance(loss, P2PLoss) and loss.assigner.ignore_unmatched
