import pytest
import torch

from p2r_mm.models.utils import (cell_center_coord, cell_centers, cell_points,
                                 cells_to_points, image_cells,
                                 points_to_cells)


def test_cell_centers_follow_the_convention():
    c = cell_centers(2, 3, 4)
    assert c.shape == (6, 2)
    # cell (i=1, j=2) -> x = 2*4 + 1.5, y = 1*4 + 1.5
    assert c[1 * 3 + 2].tolist() == [9.5, 5.5]
    assert cell_center_coord(2, 4) == 9.5
    assert cell_center_coord(torch.tensor([0, 1]), 8).tolist() == [3.5, 11.5]


def test_points_to_cells_and_back():
    s = 4
    cells = torch.tensor([[0, 0], [2, 3], [5, 1]])
    centres = cells_to_points(cells, s)
    assert centres.tolist() == [[1.5, 1.5], [13.5, 9.5], [5.5, 21.5]]
    assert torch.equal(points_to_cells(centres, s), cells)
    # Cell j covers the pixels x = 4j .. 4j+3, i.e. x in [4j-.5, 4j+3.5).
    xs = torch.tensor([[-0.5, 0.0], [3.0, 0.0], [3.49, 3.49], [3.5, 3.5],
                       [4.0, 7.9]])
    assert points_to_cells(xs, s).tolist() == [[0, 0], [0, 0], [0, 0],
                                               [1, 1], [2, 1]]
    with pytest.raises(ValueError, match='outside'):
        points_to_cells(torch.tensor([[-0.6, 0.0]]), s, (4, 4))


def test_cells_to_points_agrees_with_cell_centers():
    h, w, s = 3, 5, 8
    cells = torch.stack(torch.meshgrid(torch.arange(h), torch.arange(w),
                                       indexing='ij'), -1).reshape(-1, 2)
    assert torch.equal(cells_to_points(cells, s), cell_centers(h, w, s))


def test_image_cells_and_cell_points_skip_the_padding():
    # A 10 x 13 image padded to 16 x 16: cells 0..2 x 0..3 hold pixels.
    assert image_cells((10, 13), 4, (4, 4)) == (3, 4)
    assert image_cells((100, 100), 4, (4, 4)) == (4, 4)
    logits = torch.full((4, 4), -1.0)
    logits[0, 0], logits[2, 3], logits[3, 3], logits[1, 1] = 2.0, 1.0, 5.0, 0.
    points, values = cell_points(logits, 4, (10, 13))
    assert points.tolist() == [[1.5, 1.5], [13.5, 9.5]]
    assert values.tolist() == [2.0, 1.0]
    points, _ = cell_points(logits, 4, (10, 13), inclusive=True)
    assert points.tolist() == [[1.5, 1.5], [5.5, 5.5], [13.5, 9.5]]


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_cell_points_of_half_precision_logits_are_exact_float32(dtype):
    # Under autocast the logits are fp16 / bfloat16, whose spacing (bf16:
    # 2 px from 256, fp16: 1 px from 1024) cannot hold the half-pixel
    # centres of wide maps; the points must still be float32 and exact.
    h, w, s = 2, 700, 4
    logits = torch.ones(h, w, dtype=dtype)
    points, values = cell_points(logits, s, (h * s, w * s))
    assert points.dtype == torch.float32 and values.dtype == dtype
    assert torch.equal(points, cell_centers(h, w, s))
