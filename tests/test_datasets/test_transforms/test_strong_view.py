"""The strong (student) view built from config dicts, as in the configs."""
import random

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from p2r_mm.registry import TRANSFORMS

PHOTOMETRY = [
    dict(type='mmcv.RandomApply', prob=0.8,
         transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4,
                          saturation=0.4, hue=0.1)]),
    dict(type='mmcv.RandomGrayscale', prob=0.25, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.299)),
    dict(type='RandomGaussianBlur', sigma_range=(0.1, 2.0), prob=0.8),
]
STRONG_IMAGE = dict(type='AddStrongImage', transforms=PHOTOMETRY)
STRONG_VIEW = [
    dict(type='UseStrongImage'),
    dict(type='RandomCutout', side_range=(0.125, 0.25), fill=None),
    dict(type='PackCrowdInputs'),
]


def build(pipeline):
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        return Compose(pipeline)


def unlabelled(seed=0, h=48, w=64):
    rng = np.random.RandomState(seed)
    img = rng.randint(1, 256, (h, w, 3)).astype(np.uint8)
    return dict(img=img, img_id='u', img_shape=(h, w), ori_shape=(h, w),
                crop_box=(2, 3, 2 + w, 3 + h), flip=True,
                flip_direction='horizontal', labeled=False)


def test_new_transforms_are_registered_in_p2r_mm():
    for name in ('ColorJitter', 'RandomGaussianBlur', 'RandomCutout',
                 'AddStrongImage', 'UseStrongImage'):
        assert TRANSFORMS.get(name).__module__.startswith(
            'p2r_mm.datasets.transforms.')


def test_strong_view_pipeline():
    pipeline = build([STRONG_IMAGE, *STRONG_VIEW])
    np.random.seed(0)
    random.seed(0)
    results = unlabelled()
    original = results['img'].copy()
    packed = pipeline(dict(results))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert tuple(inputs.shape) == (3, 48, 64)
    assert sample.gt_points is None and sample.labeled is False
    assert sample.crop_box == (2, 3, 66, 51) and sample.flip
    x0, y0, x1, y1 = sample.cutout_box
    assert 8 <= x1 - x0 <= 16 and 6 <= y1 - y0 <= 12
    # the box is only recorded: the model fills it after normalisation
    assert inputs[:, y0:y1, x0:x1].any()
    # with seed 0 the photometric steps changed the image
    assert not np.array_equal(original, inputs.permute(1, 2, 0).numpy())
    np.testing.assert_array_equal(results['img'], original)


def unsup_pipeline(photometry, scale_range=(0.8, 1.2), flip=0.5):
    return build([
        dict(type='AddStrongImage', transforms=photometry),
        dict(type='RandomScaleCrop', scale_range=scale_range,
             crop_size=(40, 32)),
        dict(type='PointRandomFlip', prob=flip),
        dict(type='mmdet.MultiBranch',
             branch_field=['unsup_teacher', 'unsup_student'],
             unsup_teacher=[dict(type='PackCrowdInputs')],
             unsup_student=STRONG_VIEW),
    ])


def test_weak_and_strong_views_share_their_geometry():
    for photometry, same_pixels in [(PHOTOMETRY, False), ([], True)]:
        pipeline = unsup_pipeline(photometry)
        for seed in range(4):
            np.random.seed(seed)
            random.seed(seed)
            results = unlabelled(seed, h=30, w=50)  # padded by the crop
            del results['crop_box'], results['flip']
            del results['flip_direction']
            packed = pipeline(results)
            weak = packed['data_samples']['unsup_teacher']
            strong = packed['data_samples']['unsup_student']
            for key in ('img_shape', 'crop_box', 'flip', 'scale_factor',
                        'pad_shape'):
                assert weak.metainfo[key] == strong.metainfo[key]
            assert 'cutout_box' not in weak and 'cutout_box' in strong
            inputs = packed['inputs']
            assert (inputs['unsup_teacher'].shape ==
                    inputs['unsup_student'].shape)
            # without photometry the two views are the same pixels: the
            # strong copy went through exactly the weak image's geometry
            assert torch.equal(inputs['unsup_teacher'],
                               inputs['unsup_student']) == same_pixels


def test_photometry_is_applied_to_the_whole_image_before_the_crop():
    # The official loader blurs the whole image, then crops: pixels next
    # to the crop's border are blurred with their neighbours outside it.
    blur = dict(type='RandomGaussianBlur', sigma_range=(2.0, 2.0), prob=1.0)
    pipeline = unsup_pipeline([blur], scale_range=(1.0, 1.0), flip=0.0)
    np.random.seed(1)
    results = unlabelled(1, h=60, w=80)
    del results['crop_box'], results['flip'], results['flip_direction']
    image = results['img'].copy()
    packed = pipeline(results)
    x0, y0, x1, y1 = packed['data_samples']['unsup_student'].crop_box
    strong = packed['inputs']['unsup_student'].permute(1, 2, 0).numpy()
    whole = build([blur])(dict(img=image.copy()))['img']
    np.testing.assert_array_equal(strong, whole[y0:y1, x0:x1])
    crop_first = build([blur])(dict(img=image[y0:y1, x0:x1].copy()))['img']
    assert not np.array_equal(strong, crop_first)
    np.testing.assert_array_equal(
        packed['inputs']['unsup_teacher'].permute(1, 2, 0).numpy(),
        image[y0:y1, x0:x1])


def test_use_strong_image_without_a_copy_names_the_image():
    with pytest.raises(KeyError, match='u.jpg'):
        build([dict(type='UseStrongImage')])(
            dict(unlabelled(), img_path='u.jpg'))
