import numpy as np
import torch

from p2r_mm.datasets.transforms.formatting import PackCrowdInputs
from p2r_mm.structures.crowd_data_sample import CrowdDataSample


def results(**extra):
    img = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    return dict(img=img, img_path='a/b.jpg', img_id='b', ori_shape=(8, 12),
                img_shape=(4, 6), scale_factor=(0.5, 0.5), flip=False,
                flip_direction=None, labeled=True, extra_key=1, **extra)


def test_packs_image_points_and_metainfo():
    points = np.array([[1.0, 2.0], [5.4, 0.0]], np.float32)
    sizes = np.array([[3.0, 4.0], [5.0, 6.0]], np.float32)
    packed = PackCrowdInputs()(
        results(gt_points=points, gt_head_sizes=sizes))
    inputs, sample = packed['inputs'], packed['data_samples']

    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 4, 6)
    assert inputs.is_contiguous()
    img = results()['img']
    assert torch.equal(inputs, torch.from_numpy(img).permute(2, 0, 1))

    assert isinstance(sample, CrowdDataSample)
    assert sample.gt_points.dtype == torch.float32
    assert torch.equal(sample.gt_points, torch.from_numpy(points))
    assert sample.gt_count == 2 and isinstance(sample.gt_count, int)
    assert torch.equal(sample.gt_head_sizes, torch.from_numpy(sizes))
    assert set(sample.metainfo) == {
        'img_path', 'img_id', 'ori_shape', 'img_shape', 'scale_factor',
        'flip', 'flip_direction', 'labeled'
    }
    assert sample.img_path == 'a/b.jpg' and sample.scale_factor == (0.5, 0.5)


def test_empty_points_and_custom_meta_keys():
    packed = PackCrowdInputs(meta_keys=['img_id'])(
        results(gt_points=np.zeros((0, 2), np.float32)))
    sample = packed['data_samples']
    assert sample.gt_points.shape == (0, 2) and sample.gt_count == 0
    assert sample.gt_head_sizes is None
    assert set(sample.metainfo) == {'img_id'}


def test_no_gt_fields_without_annotation():
    for extra in (dict(), dict(has_gt=False, gt_points=np.ones((3, 2)))):
        sample = PackCrowdInputs()(results(**extra))['data_samples']
        assert sample.gt_points is None and sample.gt_count is None
    assert sample.has_gt is False


def test_grey_image_gets_a_channel_axis():
    packed = PackCrowdInputs()(dict(img=np.zeros((5, 7), np.uint8)))
    assert packed['inputs'].shape == (1, 5, 7)
