import pytest
import torch

from p2r_mm.structures import CrowdDataSample, empty_points


def test_fields_are_typed_and_optional():
    sample = CrowdDataSample(metainfo=dict(img_path='a.jpg',
                                           img_shape=(20, 30)))
    # Unset fields read as None, so "not annotated" is never "no heads".
    for name in ('gt_points', 'gt_head_sizes', 'pred_points', 'pred_logits',
                 'gt_count', 'pred_count'):
        assert getattr(sample, name) is None
    sample.gt_points = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    sample.gt_count = 2.0  # stored as int
    sample.pred_count = torch.tensor(3)
    assert sample.gt_count == 2 and isinstance(sample.gt_count, int)
    assert sample.pred_count == 3 and isinstance(sample.pred_count, int)
    assert 'gt_points' in sample and sample.img_path == 'a.jpg'
    with pytest.raises(AssertionError):
        sample.pred_points = [[1.0, 2.0]]  # not a tensor
    del sample.gt_points
    assert sample.gt_points is None


def test_moves_and_detaches_like_any_data_element():
    sample = CrowdDataSample()
    sample.pred_logits = torch.zeros(1, 4, 5, requires_grad=True)
    sample.pred_points = empty_points()
    assert sample.pred_points.shape == (0, 2)
    assert sample.pred_points.dtype == torch.float32
    detached = sample.detach()
    assert not detached.pred_logits.requires_grad
    assert detached.cpu().pred_logits.shape == (1, 4, 5)
    assert set(sample.keys()) == {'pred_logits', 'pred_points'}
