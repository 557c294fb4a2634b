import numpy as np
import pytest
import torch

from p2r_mm.datasets.transforms.cutout import RandomCutout
from p2r_mm.datasets.transforms.formatting import PackCrowdInputs
from p2r_mm.models.utils import cutout_cell_weights


def sample(seed=0, h=40, w=64, content=None):
    """Results with no zero pixel in the content, so a cut shows; the
    right/bottom padding outside ``content`` (h, w) is 0."""
    rng = np.random.RandomState(seed)
    img = rng.randint(1, 256, (h, w, 3)).astype(np.uint8)
    ch, cw = content or (h, w)
    img[ch:], img[:, cw:] = 0, 0
    points = rng.uniform(0, min(ch, cw) - 1, (6, 2)).astype(np.float32)
    return dict(img=img, img_shape=(ch, cw), pad_shape=(h, w),
                crop_box=(0, 0, w, h), gt_points=points, labeled=False)


@pytest.mark.parametrize('seed', range(20))
def test_box_size_position_and_pixels(seed):
    content = [(40, 64), (33, 50), (16, 9)][seed % 3]
    results = sample(seed, content=content)
    img, points = results['img'].copy(), results['gt_points'].copy()
    np.random.seed(seed)
    out = RandomCutout(side_range=(1 / 8, 1 / 4))(results)

    h, w = content
    x0, y0, x1, y1 = out['cutout_box']
    assert all(isinstance(v, int) for v in out['cutout_box'])
    assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    # the drawn fraction of the side, truncated to whole pixels
    assert max(1, int(w / 8)) <= x1 - x0 <= max(1, int(w / 4))
    assert max(1, int(h / 8)) <= y1 - y0 <= max(1, int(h / 4))

    inside = np.zeros(img.shape[:2], bool)
    inside[y0:y1, x0:x1] = True
    assert not out['img'][inside].any()
    np.testing.assert_array_equal(out['img'][~inside], img[~inside])
    np.testing.assert_array_equal(out['gt_points'], points)
    assert out['img'].shape == img.shape and out['img'].dtype == np.uint8
    assert out['img_shape'] == content and out['crop_box'] == (0, 0, 64, 40)


def test_sides_and_positions_cover_their_ranges():
    np.random.seed(0)
    cutout = RandomCutout(side_range=(0.25, 0.5))
    boxes = np.array([cutout._random_box(40, 20) for _ in range(3000)])
    widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    # truncated: 40 * [0.25, 0.5) gives 10..19, never 20
    assert set(widths) == set(range(10, 20))
    assert set(heights) == set(range(5, 10))
    assert boxes[:, 0].min() == 0 and boxes[:, 2].max() == 40
    assert boxes[:, 1].min() == 0 and boxes[:, 3].max() == 20


@pytest.mark.parametrize('h,w', [(1, 1), (2, 3), (5, 1)])
def test_tiny_images_get_a_box_of_at_least_one_pixel(h, w):
    np.random.seed(0)
    cutout = RandomCutout()
    for _ in range(20):
        x0, y0, x1, y1 = cutout._random_box(w, h)
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h


def test_fill_per_channel_and_input_not_written():
    results = sample()
    img = results['img']
    before = img.copy()
    np.random.seed(0)
    out = RandomCutout(fill=[1, 2, 3])(results)
    x0, y0, x1, y1 = out['cutout_box']
    assert np.all(out['img'][y0:y1, x0:x1] == [1, 2, 3])
    np.testing.assert_array_equal(img, before)


def test_same_seed_same_box():
    boxes = []
    for seed in (5, 5, 6):
        np.random.seed(seed)
        boxes.append(RandomCutout()(sample())['cutout_box'])
    assert boxes[0] == boxes[1] != boxes[2]


def test_sides_are_truncated_as_the_official_loader_does():
    # 0.25 * 22 = 5.5 px: int() gives 5 (rounding would give 6)
    np.random.seed(0)
    cutout = RandomCutout(side_range=(0.25, 0.25))
    x0, y0, x1, y1 = cutout._random_box(22, 22)
    assert (x1 - x0, y1 - y0) == (5, 5)


def test_fill_none_records_the_box_and_keeps_the_pixels():
    results = sample()
    img = results['img'].copy()
    np.random.seed(0)
    out = RandomCutout(fill=None)(results)
    x0, y0, x1, y1 = out['cutout_box']
    assert x1 > x0 and y1 > y0
    np.testing.assert_array_equal(out['img'], img)


@pytest.mark.parametrize('side_range', [(0, 0.2), (0.3, 0.2), (0.5, 1.5)])
def test_bad_side_range(side_range):
    with pytest.raises(ValueError):
        RandomCutout(side_range=side_range)


def test_packed_sample_carries_the_box():
    np.random.seed(0)
    out = RandomCutout()(sample())
    packed = PackCrowdInputs()(out)
    sample_ = packed['data_samples']
    assert sample_.cutout_box == out['cutout_box']
    x0, y0, x1, y1 = sample_.cutout_box
    assert not packed['inputs'][:, y0:y1, x0:x1].any()


def brute_force_weights(box, h, w, s):
    """(h, w) weights from a pixel mask of the (h*s, w*s) input."""
    kept = np.ones((h * s, w * s))
    if box is not None:
        x0, y0, x1, y1 = box
        kept[y0:y1, x0:x1] = 0
    # the official rule: avg_pool2d(kept mask, s) >= 0.5
    return (kept.reshape(h, s, w, s).mean((1, 3)) >= 0.5).astype(np.float32)


def test_cell_weights_half_a_cell_is_cut():
    # stride 4: cell (0, 1) covers x 4..7, y 0..3 (16 pixels). The official
    # code supervises a cell with at least half of it kept.
    half = cutout_cell_weights([(4, 0, 6, 4), (4, 0, 8, 2)], 2, 3, 4)
    more = cutout_cell_weights([(4, 0, 8, 3), (4, 0, 7, 3)], 2, 3, 4)
    kept = torch.ones(1, 1, 2, 3)
    cut = kept.clone()
    cut[0, 0, 0, 1] = 0
    assert half.dtype == torch.float32 and half.shape == (2, 1, 2, 3)
    # exactly 8 of 16 pixels cut: kept; 12 or 9 of 16: cut
    assert torch.equal(half, torch.cat([kept, kept]))
    assert torch.equal(more, torch.cat([cut, cut]))


def test_cell_weights_none_and_empty():
    weights = cutout_cell_weights([None, None], 5, 7, 8, device='cpu')
    assert torch.equal(weights, torch.ones(2, 1, 5, 7))
    assert cutout_cell_weights([], 3, 3, 4).shape == (0, 1, 3, 3)
    with pytest.raises(ValueError):
        cutout_cell_weights([(1, 2, 3)], 3, 3, 4)


def test_cell_weights_match_a_pixel_count():
    rng = np.random.RandomState(0)
    h, w, s = 6, 9, 4
    boxes = [None]
    for _ in range(40):
        x0, y0 = rng.randint(0, w * s), rng.randint(0, h * s)
        boxes.append((x0, y0, rng.randint(x0 + 1, w * s + 1),
                      rng.randint(y0 + 1, h * s + 1)))
    weights = cutout_cell_weights(boxes, h, w, s)
    expected = np.stack([brute_force_weights(b, h, w, s) for b in boxes])
    np.testing.assert_array_equal(weights[:, 0].numpy(), expected)
    assert (weights == 0).any() and (weights == 1).any()
