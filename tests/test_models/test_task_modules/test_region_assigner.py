"""RegionAssigner: P2R's regions, radii, one positive per region, and the
point and pixel weights every assigner applies (hand cases)."""
import pytest
import torch

from p2r_mm.models.task_modules import CellTargets, RegionAssigner
from p2r_mm.registry import TASK_UTILS


def one_image(points):
    points = torch.tensor(points, dtype=torch.float32).reshape(-1, 2)
    return points, torch.zeros(len(points), dtype=torch.long)


def test_built_from_task_utils():
    assigner = TASK_UTILS.build(dict(type='RegionAssigner', max_radius=50))
    assert isinstance(assigner, RegionAssigner)
    assert assigner.max_radius == 50.0 and assigner.min_radius == 8.0


@pytest.mark.parametrize('kwargs', [
    dict(min_radius=0), dict(min_radius=10, max_radius=5),
    dict(nn_backend='brute')])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        RegionAssigner(**kwargs)


def test_hand_case_regions_positive_and_owners():
    # A 2x4 map at stride 4 (centres x = 1.5, 5.5, 9.5, 13.5; y = 1.5,
    # 5.5) and points at cells (0, 0) and (1, 3): every cell goes to its
    # nearest point (cell (0, 2): 8 px from the first, 5.7 from the
    # second), each region has one positive, its cell of lowest cost
    # (logits 0: the nearest cell).
    points, batch = one_image([[1.5, 1.5], [13.5, 5.5]])
    targets = RegionAssigner().assign(torch.zeros(1, 2, 4), points, batch, 4)
    assert targets.owner.tolist() == [0, 0, 1, 1, 0, 0, 1, 1]
    assert targets.target.tolist() == [1, 0, 0, 0, 0, 0, 0, 1]
    assert targets.weight is None and targets.empty.tolist() == [False]


def test_logits_move_the_positive_within_the_region():
    # One point at cell (0, 0)'s centre; a confident logit 3 cells away
    # wins: cost 8 * 12 / 12 - 10 = -2 < 0 (radius: the farthest cell of
    # the region, 12 px, within [8, 96]).
    points, batch = one_image([[1.5, 1.5]])
    logits = torch.zeros(1, 1, 4)
    logits[0, 0, 3] = 10.0
    targets = RegionAssigner().assign(logits, points, batch, 4)
    assert targets.target.tolist() == [0, 0, 0, 1]
    assert RegionAssigner().point_radii(points, batch, 1, 1, 4,
                                        4).tolist() == [12.0]


def test_cells_beyond_max_radius_belong_to_no_region():
    points, batch = one_image([[1.5, 1.5]])
    targets = RegionAssigner(min_radius=2.0, max_radius=5.0).assign(
        torch.zeros(1, 1, 4), points, batch, 4)
    assert targets.owner.tolist() == [0, 0, -1, -1]
    assert targets.target.tolist() == [1, 0, 0, 0]


def test_point_and_pixel_weights_become_cell_weights():
    # Image 0: two points, the second unconfident; image 1: no point.
    points = torch.tensor([[1.5, 1.5], [13.5, 1.5]])
    batch = torch.tensor([0, 0])
    pixel = torch.ones(2, 1, 1, 4)
    pixel[:, 0, 0, 1] = 0.5
    targets = RegionAssigner().assign(
        torch.zeros(2, 1, 4), points, batch, 4,
        point_weights=torch.tensor([1.0, 0.0]), pixel_weights=pixel)
    assert targets.owner.tolist() == [0, 0, 1, 1, -1, -1, -1, -1]
    # Cells of the unconfident point weigh 0; the image without points
    # takes no pixel weight (the official loss's empty branch).
    assert targets.weight.tolist() == [1, 0.5, 0, 0, 1, 1, 1, 1]
    assert targets.empty.tolist() == [False, True]


def test_dense_crowd_one_positive_per_region():
    # 512 x 512 cells and 5000 points: a cells x points matrix would be
    # 5 GB of float32, so this only runs because the assignment holds
    # (cells,) and (points,) tensors.
    g = torch.Generator().manual_seed(0)
    points = torch.rand(5000, 2, generator=g) * 2048
    targets = RegionAssigner().assign(
        torch.zeros(1, 512, 512), points, torch.zeros(5000).long(), 4)
    assert isinstance(targets, CellTargets)
    positives = int(targets.target.sum())
    owners = targets.owner[targets.target > 0]
    # One positive per region, at most one region per point.
    assert positives == len(owners.unique()) <= 5000
