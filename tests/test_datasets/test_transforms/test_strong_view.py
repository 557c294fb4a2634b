"""The strong (student) view built from config dicts, as in the configs."""
import random

import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from p2r_mm.registry import TRANSFORMS

STRONG_VIEW = [
    dict(type='mmcv.RandomApply', prob=0.8,
         transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4,
                          saturation=0.4, hue=0.1)]),
    dict(type='mmcv.RandomGrayscale', prob=0.25, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.299)),
    dict(type='RandomGaussianBlur', sigma_range=(0.1, 2.0), prob=0.8),
    dict(type='RandomCutout', side_range=(0.125, 0.25), fill=0),
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
    for name in ('ColorJitter', 'RandomGaussianBlur', 'RandomCutout'):
        assert TRANSFORMS.get(name).__module__.startswith(
            'p2r_mm.datasets.transforms.')


def test_strong_view_pipeline():
    pipeline = build(STRONG_VIEW)
    np.random.seed(0)
    random.seed(0)
    results = unlabelled()
    packed = pipeline(dict(results))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert tuple(inputs.shape) == (3, 48, 64)
    assert sample.gt_points is None and sample.labeled is False
    assert sample.crop_box == (2, 3, 66, 51) and sample.flip
    x0, y0, x1, y1 = sample.cutout_box
    assert 8 <= x1 - x0 <= 16 and 6 <= y1 - y0 <= 12
    assert not inputs[:, y0:y1, x0:x1].any()
    # with seed 0 the photometric steps changed the rest of the image
    keep = np.ones((48, 64), bool)
    keep[y0:y1, x0:x1] = False
    after = inputs.permute(1, 2, 0).numpy()
    assert not np.array_equal(results['img'][keep], after[keep])


def test_weak_and_strong_views_share_their_geometry():
    pipeline = build([
        dict(type='RandomScaleCrop', scale_range=(0.8, 1.2),
             crop_size=(40, 32)),
        dict(type='PointRandomFlip', prob=0.5),
        dict(type='mmdet.MultiBranch',
             branch_field=['unsup_teacher', 'unsup_student'],
             unsup_teacher=[dict(type='PackCrowdInputs')],
             unsup_student=STRONG_VIEW),
    ])
    for seed in range(4):
        np.random.seed(seed)
        random.seed(seed)
        results = unlabelled(seed)
        del results['crop_box'], results['flip'], results['flip_direction']
        packed = pipeline(results)
        weak = packed['data_samples']['unsup_teacher']
        strong = packed['data_samples']['unsup_student']
        for key in ('img_shape', 'crop_box', 'flip', 'scale_factor',
                    'pad_shape'):
            assert weak.metainfo[key] == strong.metainfo[key]
        assert 'cutout_box' not in weak and 'cutout_box' in strong
        assert (packed['inputs']['unsup_teacher'].shape ==
                packed['inputs']['unsup_student'].shape)
