"""HungarianCellAssigner: P2PNet's one-to-one matching (hand cases)."""
import torch

from p2r_mm.models.task_modules import HungarianCellAssigner
from p2r_mm.registry import TASK_UTILS


def test_built_from_task_utils():
    assigner = TASK_UTILS.build(
        dict(type='HungarianCellAssigner', ignore_unmatched=True))
    assert isinstance(assigner, HungarianCellAssigner)
    assert assigner.ignore_unmatched


def test_one_cell_per_point_and_unmatched_cells():
    # A 1x4 map; two points nearest cells 0 and 3; a third competes for
    # cell 0 and takes the next free cell.
    points = torch.tensor([[1.5, 1.5], [13.5, 1.5], [2.0, 1.5]])
    batch = torch.zeros(3, dtype=torch.long)
    targets = HungarianCellAssigner().assign(torch.zeros(1, 1, 4), points,
                                             batch, 4)
    assert targets.target.tolist() == [1, 1, 0, 1]
    assert sorted(targets.owner.tolist()) == [-1, 0, 1, 2]
    assert targets.weight is None
    ignoring = HungarianCellAssigner(ignore_unmatched=True).assign(
        torch.zeros(1, 1, 4), points, batch, 4,
        point_weights=torch.tensor([1.0, 0.5, 1.0]))
    # Unmatched cells weigh 0, matched ones their point's weight.
    assert ignoring.weight.tolist() == [1, 1, 0, 0.5]


def test_images_are_matched_apart():
    points = torch.tensor([[1.5, 1.5], [1.5, 1.5]])
    batch = torch.tensor([0, 1])
    targets = HungarianCellAssigner().assign(torch.zeros(3, 1, 2), points,
                                             batch, 4)
    assert targets.owner.tolist() == [0, -1, 1, -1, -1, -1]
    assert targets.empty.tolist() == [False, False, True]
