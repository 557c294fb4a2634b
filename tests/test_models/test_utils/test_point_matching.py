"""One-to-one point matching within a radius, and the pseudo-label
statistics built on it."""
import numpy as np
import pytest
import torch

from p2r_mm.models.utils import count_matches, pseudo_label_quality


def t(points):
    return torch.tensor(points, dtype=torch.float32).reshape(-1, 2)


def test_pseudo_label_quality_by_hand():
    # Image 0: 3 pseudo-points, 2 hidden heads; (0, 0) matches (3, 4) at
    # 5 px, (20, 0) matches (20, 7) at 7 px, (50, 50) matches nothing.
    # Only (0, 0) and (50, 50) are confident. Image 1: 1 head, no point.
    points = [t([[0, 0], [20, 0], [50, 50]]), t([])]
    conf = [torch.tensor([1., 0., 1.]), torch.zeros(0)]
    hidden = [t([[3, 4], [20, 7]]), t([[9, 9]])]
    q = pseudo_label_quality(points, conf, hidden, match_distance=8.0)
    assert q['pseudo_precision'] == pytest.approx(2 / 3)
    assert q['pseudo_recall'] == pytest.approx(2 / 3)
    assert q['pseudo_f1'] == pytest.approx(2 / 3)
    assert q['pseudo_count_ratio'] == pytest.approx(3 / 3)
    assert q['confident_precision'] == pytest.approx(1 / 2)
    assert q['confident_recall'] == pytest.approx(1 / 3)
    assert q['confident_f1'] == pytest.approx(2 * 0.5 / 3 / (0.5 + 1 / 3))
    assert q['confident_count_ratio'] == pytest.approx(2 / 3)
    # A tighter distance loses the 7 px match.
    q = pseudo_label_quality(points, conf, hidden, match_distance=6.0)
    assert q['pseudo_precision'] == pytest.approx(1 / 3)


def test_pseudo_label_quality_is_one_to_one_and_handles_empty():
    # Two pseudo-points on one head: one of them is wrong.
    q = pseudo_label_quality([t([[0, 0], [1, 0]])], [torch.ones(2)],
                             [t([[0, 0]])])
    assert q['pseudo_precision'] == pytest.approx(0.5)
    assert q['pseudo_recall'] == pytest.approx(1.0)
    q = pseudo_label_quality([t([])], [torch.zeros(0)], [t([])])
    assert q['pseudo_precision'] == q['pseudo_recall'] == 1.0
    assert q['pseudo_count_ratio'] == 0.0


def test_count_matches_is_one_to_one():
    gt = np.array([[0., 0.], [10., 0.]])
    # Two predictions near the first head, one 3 px from the second.
    pred = np.array([[1., 0.], [0., 1.], [13., 0.]])
    assert count_matches(pred, gt, np.full(2, 2.0)) == 1
    assert count_matches(pred, gt, np.full(2, 4.0)) == 2
    # Per-head radii: only the second head accepts 3 px.
    assert count_matches(pred, gt, np.array([0.5, 3.0])) == 1
    assert count_matches(pred[:0], gt, np.full(2, 4.0)) == 0


def test_count_matches_needs_augmenting_paths():
    # Greedy would pair pred 0 with head 0 and leave pred 1 unmatched;
    # the maximum matching pairs pred 0-head 1 and pred 1-head 0.
    gt = np.array([[0., 0.], [3., 0.]])
    pred = np.array([[1.5, 0.], [-1., 0.]])
    assert count_matches(pred, gt, np.full(2, 2.0)) == 2
