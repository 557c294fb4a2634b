import numpy as np
import pytest
from mmcv.transforms.utils import cache_random_params

from p2r_mm.datasets.transforms.geometric import RandomScaleCrop
from .images import (blob_centre, blob_image, colours_at, id_colours,
                     marked_image, pixel_of)


def distinct_pixel_points(rng, n, h, w):
    """(n, 2) float32 points on distinct pixels, off-centre by < 0.5."""
    flat = rng.choice(h * w, n, replace=False)
    offset = rng.uniform(-0.49, 0.49, (n, 2))
    return (np.stack([flat % w, flat // w], 1) + offset).astype(np.float32)


def marked(rng, h=60, w=80, n=300):
    points = distinct_pixel_points(rng, n, h, w)
    ids = np.arange(n, dtype=np.float32)
    return dict(img=marked_image(h, w, points), img_shape=(h, w),
                scale_factor=(1.0, 1.0), gt_points=points,
                gt_head_sizes=np.stack([ids + 1, ids + 2], 1))


@pytest.mark.parametrize('seed', range(5))
def test_crop_keeps_exactly_the_points_on_its_pixels(seed):
    rng = np.random.RandomState(seed)
    np.random.seed(seed)
    results = marked(rng)
    points = results['gt_points'].copy()
    out = RandomScaleCrop(scale_range=(1, 1), crop_size=(32, 24))(results)

    assert out['img'].shape == (24, 32, 3) and out['img_shape'] == (24, 32)
    assert out['pad_shape'] == (24, 32)
    x0, y0, x1, y1 = out['crop_box']
    assert (x1 - x0, y1 - y0) == (32, 24)
    cols, rows = pixel_of(points).T
    inside = (cols >= x0) & (cols < x1) & (rows >= y0) & (rows < y1)
    ids = out['gt_head_sizes'][:, 0].astype(int) - 1
    np.testing.assert_array_equal(ids, np.flatnonzero(inside))
    np.testing.assert_array_equal(out['gt_head_sizes'][:, 1], ids + 2)
    np.testing.assert_allclose(out['gt_points'],
                               points[inside] - [x0, y0], atol=1e-5)
    np.testing.assert_array_equal(
        colours_at(out['img'], out['gt_points']), id_colours(300)[ids])
    # no marked pixel was lost: every non-black pixel is a kept point
    assert (out['img'].max(-1) > 0).sum() == len(ids)


def test_small_image_is_padded_at_right_and_bottom():
    rng = np.random.RandomState(0)
    results = marked(rng, h=20, w=50, n=40)
    points = results['gt_points'].copy()
    np.random.seed(0)
    out = RandomScaleCrop(scale_range=(1, 1), crop_size=(40, 32),
                          pad_val=7)(results)
    assert out['img'].shape == (32, 40, 3)
    assert out['img_shape'] == (20, 40) and out['pad_shape'] == (32, 40)
    x0, y0, x1, y1 = out['crop_box']
    assert y0 == 0 and y1 == 20 and x1 - x0 == 40
    assert (out['img'][20:] == 7).all()
    keep = (pixel_of(points)[:, 0] >= x0) & (pixel_of(points)[:, 0] < x1)
    np.testing.assert_allclose(out['gt_points'], points[keep] - [x0, 0],
                               atol=1e-5)


def test_pad_value_per_channel_from_a_config_list():
    out = RandomScaleCrop(scale_range=(1, 1), crop_size=8,
                          pad_val=[1, 2, 3])(
        dict(img=np.zeros((4, 4, 3), np.uint8)))
    assert out['img'].shape == (8, 8, 3)
    np.testing.assert_array_equal(out['img'][7, 7], [1, 2, 3])


def test_random_scale_moves_points_with_their_blobs():
    np.random.seed(3)
    points = np.array([[20, 20], [45.3, 30.6], [70, 22], [60.8, 60.1],
                       [25.5, 65.2], [95, 45]], np.float32)
    transform = RandomScaleCrop(scale_range=(0.6, 1.4), crop_size=48)
    checked = 0
    for _ in range(6):
        results = dict(img=blob_image(80, 110, points, sigma=2),
                       img_shape=(80, 110), scale_factor=(1.0, 1.0),
                       gt_points=points.copy(),
                       gt_head_sizes=np.full((6, 2), 10.0, np.float32))
        out = transform(results)
        sx, sy = out['scale_factor']
        assert 0.6 <= sx <= 1.4 and sy == pytest.approx(sx, rel=0.03)
        x0, y0 = out['crop_box'][:2]
        expected = (points + 0.5) * [sx, sy] - 0.5 - [x0, y0]
        cols, rows = pixel_of(expected).T
        keep = (cols >= 0) & (cols < 48) & (rows >= 0) & (rows < 48)
        np.testing.assert_allclose(out['gt_points'], expected[keep],
                                   atol=1e-4)
        np.testing.assert_allclose(out['gt_head_sizes'],
                                   np.tile([[10 * sx, 10 * sy]],
                                           (keep.sum(), 1)), rtol=1e-6)
        radius = int(np.ceil(7 * sx))  # 3.5 sigma
        for point in out['gt_points']:
            if (point >= radius).all() and (point <= 47 - radius).all():
                centre = blob_centre(out['img'], point, radius)
                np.testing.assert_allclose(centre, point, atol=0.05)
                checked += 1
    assert checked >= 6


def test_cached_randomness_replays_the_same_crop():
    transform = RandomScaleCrop(crop_size=16)
    image = np.random.RandomState(0).randint(0, 255, (50, 60, 3), np.uint8)
    with cache_random_params(transform):
        a = transform(dict(img=image.copy()))
        b = transform(dict(img=image.copy()))
    assert a['crop_box'] == b['crop_box']
    assert a['scale_factor'] == b['scale_factor']
    np.testing.assert_array_equal(a['img'], b['img'])


def test_unlabelled_image_alone():
    np.random.seed(0)
    out = RandomScaleCrop(crop_size=(30, 20))(
        dict(img=np.zeros((64, 64, 3), np.uint8)))
    assert out['img'].shape == (20, 30, 3) and 'gt_points' not in out


@pytest.mark.parametrize('kwargs', [
    dict(scale_range=(0, 1)), dict(scale_range=(1.2, 1.1)),
    dict(crop_size=(0, 4))
])
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        RandomScaleCrop(**kwargs)
