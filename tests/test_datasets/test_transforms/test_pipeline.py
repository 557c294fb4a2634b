"""Whole pipelines built from config dicts, as a dataset builds them."""
import cv2
import numpy as np
import pytest
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

# importing the modules registers the transforms
import p2r_mm.datasets.transforms.formatting  # noqa: F401
import p2r_mm.datasets.transforms.geometric  # noqa: F401
import p2r_mm.datasets.transforms.loading  # noqa: F401
from p2r_mm.registry import TRANSFORMS
from .images import id_colours, marked_image, pixel_of


@pytest.fixture
def labelled_image(tmp_path):
    rng = np.random.RandomState(0)
    h, w = 70, 90
    flat = rng.choice(h * w, 200, replace=False)
    points = (np.stack([flat % w, flat // w], 1) +
              rng.uniform(-0.45, 0.45, (200, 2))).astype(np.float32)
    path = tmp_path / 'img.png'
    assert cv2.imwrite(str(path), marked_image(h, w, points))
    sizes = np.stack([np.arange(200), np.zeros(200)], 1).astype(np.float32)
    return dict(img_path=str(path), img_id='img', width=w, height=h,
                gt_points=points, gt_head_sizes=sizes + 1, labeled=True)


def build(pipeline):
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        return Compose(pipeline)


def test_transforms_are_registered_in_p2r_mm():
    for name in ('LoadCrowdImage', 'LoadCrowdAnnotations', 'ResizeLongSide',
                 'RandomScaleCrop', 'PointRandomFlip', 'PackCrowdInputs'):
        assert TRANSFORMS.get(name).__module__.startswith(
            'p2r_mm.datasets.transforms.')


def test_train_pipeline_keeps_every_point_on_its_pixel(labelled_image):
    pipeline = build([
        dict(type='LoadCrowdImage'),
        dict(type='LoadCrowdAnnotations'),
        dict(type='RandomScaleCrop', scale_range=(1.0, 1.0),
             crop_size=(48, 40)),
        dict(type='PointRandomFlip', prob=1.0),
        dict(type='PackCrowdInputs'),
    ])
    np.random.seed(1)
    packed = pipeline(dict(labelled_image))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert tuple(inputs.shape) == (3, 40, 48)
    assert sample.img_shape == (40, 48)
    assert sample.flip and sample.labeled and sample.ori_shape == (70, 90)

    points = sample.gt_points.numpy()
    ids = sample.gt_head_sizes[:, 0].long().numpy() - 1
    assert sample.gt_count == len(ids) > 0
    cols, rows = pixel_of(points).T
    colours = inputs.numpy()[:, rows, cols].T
    np.testing.assert_array_equal(colours, id_colours(200)[ids])
    # exactly the points whose pixel fell inside the crop box survived
    x0, y0, x1, y1 = sample.crop_box
    cols, rows = pixel_of(labelled_image['gt_points']).T
    inside = (cols >= x0) & (cols < x1) & (rows >= y0) & (rows < y1)
    np.testing.assert_array_equal(np.sort(ids), np.flatnonzero(inside))


def test_test_pipeline_maps_back_to_the_original(labelled_image):
    pipeline = build([
        dict(type='LoadCrowdImage'),
        dict(type='LoadCrowdAnnotations'),
        dict(type='ResizeLongSide', max_size=64),
        dict(type='ResizeLongSide', max_size=37),
        dict(type='PackCrowdInputs'),
    ])
    sample = pipeline(dict(labelled_image))['data_samples']
    assert sample.img_shape == (29, 37)
    scale = np.array(sample.scale_factor)
    np.testing.assert_allclose(scale, [37 / 90, 29 / 70])
    back = (sample.gt_points.numpy() + 0.5) / scale - 0.5
    np.testing.assert_allclose(back, labelled_image['gt_points'], atol=1e-4)
    assert sample.gt_count == 200


def test_unlabelled_pipeline(labelled_image):
    pipeline = build([
        dict(type='LoadCrowdImage'),
        dict(type='RandomScaleCrop', crop_size=32),
        dict(type='PointRandomFlip'),
        dict(type='PackCrowdInputs'),
    ])
    unlabelled = dict(img_path=labelled_image['img_path'], img_id='u',
                      labeled=False)
    sample = pipeline(unlabelled)['data_samples']
    assert sample.gt_points is None and sample.labeled is False
    assert len(sample.crop_box) == 4
