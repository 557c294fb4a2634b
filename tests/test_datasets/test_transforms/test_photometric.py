import itertools
import random

import numpy as np
import pytest
from mmcv.transforms import RandomGrayscale

from p2r_mm.datasets.transforms.photometric import (ColorJitter,
                                                    RandomGaussianBlur,
                                                    shift_hue)

GRAY_BGR = (0.114, 0.587, 0.299)


def sample(seed=0, h=24, w=32, content=None):
    """Results of a labelled crop; ``content`` (h, w) < the array marks
    right/bottom padding (filled with 0)."""
    rng = np.random.RandomState(seed)
    img = rng.randint(0, 256, (h, w, 3)).astype(np.uint8)
    ch, cw = content or (h, w)
    img[ch:], img[:, cw:] = 0, 0
    points = rng.uniform(0, min(ch, cw) - 1, (5, 2)).astype(np.float32)
    return dict(img=img, img_shape=(ch, cw), pad_shape=(h, w),
                scale_factor=(1.5, 1.5), crop_box=(3, 4, 3 + w, 4 + h),
                flip=True, flip_direction='horizontal', gt_points=points,
                gt_head_sizes=np.ones((5, 2), np.float32))


def jitter(brightness=0, contrast=0, saturation=0, hue=0):
    """ColorJitter with every operation off unless given."""
    return ColorJitter(brightness, contrast, saturation, hue)


TRANSFORMS = [
    ColorJitter(),
    RandomGaussianBlur(prob=1.0),
    RandomGrayscale(prob=1.0, keep_channels=True, channel_weights=GRAY_BGR),
]


@pytest.mark.parametrize('transform', TRANSFORMS, ids=repr)
def test_only_pixel_values_change(transform):
    results = sample(content=(20, 27))
    before = {k: np.copy(v) for k, v in results.items()}
    np.random.seed(0)
    random.seed(0)
    out = transform(results)
    assert out['img'].shape == (24, 32, 3) and out['img'].dtype == np.uint8
    assert not np.array_equal(out['img'], before['img'])
    assert set(out) == set(before)
    for key in set(before) - {'img'}:
        np.testing.assert_array_equal(out[key], before[key])
    # the padding is not image: it keeps its fill value
    assert not out['img'][20:].any() and not out['img'][:, 27:].any()


@pytest.mark.parametrize('transform', TRANSFORMS[:2], ids=repr)
def test_input_array_is_not_written(transform):
    results = sample()
    img = results['img']
    before = img.copy()
    np.random.seed(0)
    assert transform(results)['img'] is not img
    np.testing.assert_array_equal(img, before)


def test_brightness_scales_and_clips():
    results = sample()
    img = results['img'].astype(np.float64)
    out = jitter(brightness=(1.5, 1.5))(results)['img']
    np.testing.assert_array_equal(out, np.clip(np.rint(img * 1.5), 0, 255))
    assert out.mean() > img.mean()


def test_contrast_blends_with_the_mean_luma():
    img = sample()['img']
    flat = jitter(contrast=(0, 0))(dict(img=img))['img']
    mean = (img.astype(np.float64) @ GRAY_BGR).mean()
    assert np.all(flat == np.rint(mean))
    strong = jitter(contrast=(1.8, 1.8))(dict(img=img // 2 + 64))['img']
    assert strong.std() > (img // 2 + 64).std()


def test_saturation_zero_is_gray_and_one_is_identity():
    img = sample()['img']
    out = jitter(saturation=(0, 0))(dict(img=img))['img']
    assert np.all(out == out[..., :1])
    luma = np.rint(img.astype(np.float64) @ GRAY_BGR)
    np.testing.assert_array_equal(out[..., 0], luma)
    np.testing.assert_array_equal(
        jitter(saturation=(1, 1))(dict(img=img))['img'], img)


def test_hue_rotation():
    img = sample()['img'].astype(np.float32)
    # the float HSV round trip loses nothing visible at 8 bits
    for turns in (0.0, 1.0, -1.0):
        np.testing.assert_array_equal(np.rint(shift_hue(img, turns)), img)
    back = shift_hue(shift_hue(img, 0.3), -0.3)
    np.testing.assert_allclose(back, img, atol=1e-2)
    # a third of a turn: red -> green -> blue (BGR order)
    red = np.array([[[0, 0, 255]]], np.uint8)
    green = jitter(hue=(1 / 3, 1 / 3))(dict(img=red))['img']
    np.testing.assert_array_equal(green, [[[0, 255, 0]]])
    blue = jitter(hue=(-1 / 3, -1 / 3))(dict(img=red))['img']
    np.testing.assert_array_equal(blue, [[[255, 0, 0]]])
    # gray has no hue
    grey = np.full((4, 4, 3), 77, np.uint8)
    np.testing.assert_array_equal(
        jitter(hue=(0.4, 0.4))(dict(img=grey))['img'], grey)


def test_zero_arguments_are_the_identity():
    transform = jitter()
    assert transform._random_params() == []
    img = sample()['img']
    np.testing.assert_array_equal(transform(dict(img=img))['img'], img)


def test_factors_in_range_and_order_random():
    np.random.seed(0)
    transform = ColorJitter(0.4, (0.5, 0.7), 1.5, 0.1)
    orders, factors = set(), {k: [] for k in ColorJitter.OPS}
    for _ in range(600):
        params = transform._random_params()
        orders.add(tuple(name for name, _ in params))
        for name, value in params:
            factors[name].append(value)
    assert orders == set(itertools.permutations(ColorJitter.OPS))
    limits = dict(brightness=(0.6, 1.4), contrast=(0.5, 0.7),
                  saturation=(0.0, 2.5), hue=(-0.1, 0.1))
    for name, (low, high) in limits.items():
        values = np.array(factors[name])
        assert low <= values.min() < low + 0.05
        assert high - 0.05 < values.max() <= high


@pytest.mark.parametrize('kwargs', [
    dict(brightness=-0.1), dict(hue=0.6), dict(hue=(-0.6, 0.1)),
    dict(contrast=(1.2, 0.8)), dict(saturation=(-0.5, 1.0))])
def test_bad_jitter_arguments(kwargs):
    with pytest.raises(ValueError):
        ColorJitter(**kwargs)


@pytest.mark.parametrize('transform', TRANSFORMS[:2], ids=repr)
def test_same_seed_same_output(transform):
    outs = []
    for seed in (3, 3, 4):
        np.random.seed(seed)
        outs.append(transform(sample())['img'])
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


def test_single_channel_images_get_brightness_and_contrast():
    img = sample()['img'][..., 0]
    out = ColorJitter(0.4, 0.4, 0.4, 0.1)(dict(img=img))['img']
    assert out.shape == img.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(
        jitter(hue=0.5, saturation=0.9)(dict(img=img))['img'], img)


def test_grayscale_keeps_three_equal_channels():
    gray = RandomGrayscale(prob=1.0, keep_channels=True,
                           channel_weights=GRAY_BGR)
    img = sample()['img']
    out = gray(dict(img=img))['img']
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.all(out == out[..., :1])
    # mmcv truncates the luma instead of rounding: within one level
    luma = img.astype(np.float64) @ GRAY_BGR
    assert np.abs(out[..., 0] - luma).max() < 1


def test_grayscale_probability():
    gray = RandomGrayscale(prob=0.25, keep_channels=True,
                           channel_weights=GRAY_BGR)
    random.seed(0)  # mmcv's RandomGrayscale draws from `random`
    img = sample(h=2, w=2)['img']
    hits = sum(bool(np.all(out == out[..., :1]))
               for out in (gray(dict(img=img.copy()))['img']
                           for _ in range(2000)))
    assert abs(hits / 2000 - 0.25) < 0.04


def checkerboard(h=32, w=32):
    rows, cols = np.mgrid[:h, :w]
    board = ((rows + cols) % 2 * 255).astype(np.uint8)
    return np.repeat(board[..., None], 3, -1)


def test_blur_smooths_a_checkerboard():
    board = checkerboard()
    np.random.seed(0)
    out = RandomGaussianBlur(sigma_range=(1.0, 1.0), prob=1.0)(
        dict(img=board))['img']
    assert out.dtype == np.uint8 and out.shape == board.shape
    assert out.var() < 0.01 * board.var()
    # a blur preserves the mean and leaves a constant image unchanged
    assert abs(out.mean() - board.mean()) < 1
    flat = np.full((9, 9, 3), 200, np.uint8)
    np.testing.assert_array_equal(
        RandomGaussianBlur(prob=1.0)(dict(img=flat))['img'], flat)


def test_smaller_sigma_blurs_less():
    board = checkerboard()
    weak, strong = (RandomGaussianBlur(sigma_range=(s, s), prob=1.0)(
        dict(img=board))['img'].var() for s in (0.5, 2.0))
    assert strong < weak < board.var()


def test_blur_probability_and_sigma_range():
    np.random.seed(0)
    blur = RandomGaussianBlur(sigma_range=(0.1, 2.0), prob=0.8)
    sigmas = [blur._random_sigma() for _ in range(4000)]
    applied = np.array([s for s in sigmas if s is not None])
    assert abs(len(applied) / 4000 - 0.8) < 0.03
    assert 0.1 <= applied.min() < 0.15 and 1.95 < applied.max() <= 2.0
    # through transform(): a sigma of 0.1 would leave a board unchanged
    np.random.seed(1)
    blur = RandomGaussianBlur(sigma_range=(1.0, 1.0), prob=0.8)
    board = checkerboard(4, 4)
    blurred = sum(not np.array_equal(blur(dict(img=board))['img'], board)
                  for _ in range(1000))
    assert abs(blurred / 1000 - 0.8) < 0.05


@pytest.mark.parametrize('kwargs', [
    dict(sigma_range=(0, 1)), dict(sigma_range=(2, 1)), dict(prob=1.5)])
def test_bad_blur_arguments(kwargs):
    with pytest.raises(ValueError):
        RandomGaussianBlur(**kwargs)
