import numpy as np
import pytest

from p2r_mm.datasets.transforms.geometric import ResizeLongSide
from .images import blob_centre, blob_image

POINTS = np.array([[10.0, 12.0], [50.3, 40.7], [100.0, 20.0],
                   [130.6, 70.2], [30.0, 75.5]], np.float32)


def labelled(h=90, w=150, points=POINTS):
    return dict(img=blob_image(h, w, points), img_shape=(h, w),
                scale_factor=(1.0, 1.0), gt_points=points.copy(),
                gt_head_sizes=np.tile([[8.0, 6.0]], (len(points), 1)))


def test_small_image_is_not_upscaled():
    results = labelled()
    img = results['img'].copy()
    out = ResizeLongSide(max_size=150)(results)
    np.testing.assert_array_equal(out['img'], img)
    np.testing.assert_array_equal(out['gt_points'], POINTS)
    assert out['scale_factor'] == (1.0, 1.0)


@pytest.mark.parametrize('max_size', [100, 75, 61, 40])
def test_downscale_moves_points_with_their_blobs(max_size):
    out = ResizeLongSide(max_size=max_size)(labelled())
    h, w = out['img'].shape[:2]
    assert max(h, w) == max_size and out['img_shape'] == (h, w)
    assert h == round(90 * max_size / 150)
    sx, sy = out['scale_factor']
    assert (sx, sy) == pytest.approx((w / 150, h / 90))
    expected = (POINTS + 0.5) * np.array([sx, sy]) - 0.5
    np.testing.assert_allclose(out['gt_points'], expected, rtol=1e-6)
    assert out['gt_points'].dtype == np.float32
    for point in out['gt_points']:
        centre = blob_centre(out['img'], point, radius=5)
        np.testing.assert_allclose(centre, point, atol=0.05)
    np.testing.assert_allclose(out['gt_head_sizes'],
                               np.tile([[8 * sx, 6 * sy]], (5, 1)), rtol=1e-6)


def test_portrait_image_and_mapping_back():
    points = POINTS[:, ::-1].copy()  # (x, y) swapped to fit a 150x90 (h, w)
    out = ResizeLongSide(max_size=64)(labelled(150, 90, points))
    assert out['img'].shape[:2] == (64, round(90 * 64 / 150))
    back = (out['gt_points'] + 0.5) / np.array(out['scale_factor']) - 0.5
    np.testing.assert_allclose(back, points, atol=1e-4)


def test_unlabelled_image_alone():
    results = dict(img=np.zeros((300, 40, 3), np.uint8))
    out = ResizeLongSide(max_size=100)(results)
    assert out['img'].shape == (100, 13, 3)
    assert 'gt_points' not in out
    placeholder = np.array([[1.0, 2.0]], np.float32)
    out = ResizeLongSide(max_size=100)(dict(
        img=np.zeros((300, 40, 3), np.uint8), gt_points=placeholder.copy(),
        has_gt=False))
    np.testing.assert_array_equal(out['gt_points'], placeholder)


def test_rejects_bad_max_size():
    with pytest.raises(ValueError):
        ResizeLongSide(max_size=0)
