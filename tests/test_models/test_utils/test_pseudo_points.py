import math

import torch

from p2r_mm.models.utils import pseudo_points_from_logits


def test_pseudo_points_and_confidences_by_hand():
    logit_07 = math.log(0.7 / 0.3)  # sigmoid = 0.7 exactly: not confident
    logits = torch.tensor([[[[-1.0, 0.0, 3.0],
                             [logit_07, -0.1, 9.0]]]])
    points, conf = pseudo_points_from_logits(logits, 4, [(8, 12)])
    # logit >= 0: cells (0,1), (0,2), (1,0), (1,2); centres at 4*j + 1.5.
    assert points[0].tolist() == [[5.5, 1.5], [9.5, 1.5], [1.5, 5.5],
                                  [9.5, 5.5]]
    assert conf[0].tolist() == [0.0, 1.0, 0.0, 1.0]


def test_padding_cells_give_no_points_and_thresholds_apply():
    logits = torch.full((2, 1, 4, 4), 5.0)
    # Image 0 is 6x5 pixels in a 16x16 padded input: 2x2 cells cover it.
    points, conf = pseudo_points_from_logits(logits, 4, [(6, 5), (16, 16)],
                                             logit_thr=6.0)
    assert [len(p) for p in points] == [0, 0]
    points, conf = pseudo_points_from_logits(logits, 4, [(6, 5), (16, 16)],
                                             confidence_thr=0.99)
    assert [len(p) for p in points] == [4, 16]
    assert conf[1].sum() == 16  # sigmoid(5) > 0.99
