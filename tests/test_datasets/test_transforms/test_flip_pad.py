import numpy as np
import pytest

from p2r_mm.datasets.transforms.geometric import PointRandomFlip
from .images import colours_at, id_colours, marked_image

POINTS = np.array([[0.0, 0.0], [4.4, 2.0], [10.6, 7.3], [16.0, 9.0],
                   [7.0, 9.49]], np.float32)


def marked(h=10, w=17):
    return dict(img=marked_image(h, w, POINTS), img_shape=(h, w),
                gt_points=POINTS.copy(), flip=False, flip_direction=None,
                gt_head_sizes=np.ones((5, 2), np.float32))


def test_flip_keeps_points_on_their_pixels():
    out = PointRandomFlip(prob=1.0)(marked())
    np.testing.assert_allclose(out['gt_points'][:, 0], 16 - POINTS[:, 0])
    np.testing.assert_array_equal(out['gt_points'][:, 1], POINTS[:, 1])
    np.testing.assert_array_equal(colours_at(out['img'], out['gt_points']),
                                  id_colours(5))
    assert out['flip'] is True and out['flip_direction'] == 'horizontal'
    np.testing.assert_array_equal(out['gt_head_sizes'], np.ones((5, 2)))


def test_two_flips_are_none():
    results = marked()
    img = results['img'].copy()
    flip = PointRandomFlip(prob=1.0)
    out = flip(flip(results))
    np.testing.assert_array_equal(out['img'], img)
    np.testing.assert_allclose(out['gt_points'], POINTS, atol=1e-5)
    assert out['flip'] is False and out['flip_direction'] is None


def test_no_flip():
    out = PointRandomFlip(prob=0.0)(marked())
    np.testing.assert_array_equal(out['gt_points'], POINTS)
    assert out['flip'] is False and out['flip_direction'] is None


def test_flip_probability():
    np.random.seed(0)
    flip = PointRandomFlip(prob=0.3)
    flips = [flip(dict(img=np.zeros((2, 2, 3), np.uint8)))['flip']
             for _ in range(400)]
    assert 0.22 < np.mean(flips) < 0.38


def test_flip_after_padding_mirrors_only_the_content():
    results = marked()
    results['img'] = np.pad(results['img'], ((0, 6), (0, 15), (0, 0)),
                            constant_values=9)
    out = PointRandomFlip(prob=1.0)(results)
    np.testing.assert_allclose(out['gt_points'][:, 0], 16 - POINTS[:, 0])
    np.testing.assert_array_equal(colours_at(out['img'], out['gt_points']),
                                  id_colours(5))
    assert (out['img'][10:] == 9).all() and (out['img'][:, 17:] == 9).all()


def test_unlabelled_image_alone():
    results = dict(img=marked_image(10, 17, POINTS), has_gt=False,
                   gt_points=POINTS.copy())
    out = PointRandomFlip(prob=1.0)(results)
    np.testing.assert_array_equal(out['gt_points'], POINTS)  # untouched
    assert out['img'].shape == (10, 17, 3) and out['flip'] is True


def test_rejects_bad_arguments():
    with pytest.raises(ValueError):
        PointRandomFlip(prob=1.5)
