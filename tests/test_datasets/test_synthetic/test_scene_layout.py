import numpy as np
import pytest

from p2r_mm.datasets.synthetic.drawing import DISTRACTOR_KINDS
from p2r_mm.datasets.synthetic.scene_layout import SceneParams, generate_scene


V1 = SceneParams(vary_style=False)  # one style: the appearance tests


@pytest.fixture(scope='module')
def scenes():
    return [generate_scene(0, k, params=V1) for k in range(16)]


@pytest.fixture(scope='module')
def styled():
    return [generate_scene(0, k) for k in range(16)]


def test_scene_depends_only_on_seed_split_and_index():
    a, b = generate_scene(0, 3), generate_scene(0, 3)
    for field in ('image', 'points', 'radii', 'distractors', 'head_map'):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    for other in (generate_scene(1, 3), generate_scene(0, 4),
                  generate_scene(0, 3, split='test')):
        assert (other.image.shape != a.image.shape
                or not np.array_equal(other.image, a.image))


@pytest.mark.parametrize('which', ['scenes', 'styled'])
def test_points_are_visible_head_centres(which, request):
    for s in request.getfixturevalue(which):
        h, w = s.image.shape[:2]
        assert s.image.dtype == np.uint8 and s.points.dtype == np.float32
        assert s.points.shape == (len(s.radii), 2)
        assert ((s.points >= 0) & (s.points <= [w - 1, h - 1])).all()
        np.testing.assert_array_equal(s.points, np.round(s.points, 2))
        # Each head is the front-most object at its own centre, and no
        # head is drawn that has no point.
        col, row = np.rint(s.points).astype(int).T
        np.testing.assert_array_equal(s.head_map[row, col],
                                      np.arange(len(s.points)))
        assert set(np.unique(s.head_map)) - {-1} == set(
            range(len(s.points)))


def test_colour_under_points_is_head_like(scenes):
    # Hair and skin are dark or warm (red >= blue); vivid distractor
    # balls mostly are not, and the background is not dark.
    def head_like(s, xy):
        col, row = np.rint(xy).astype(int).T
        rgb = s.image[row, col].astype(int)
        return (rgb[:, 0] >= rgb[:, 2] - 12) | (rgb.max(1) < 70)
    heads = np.concatenate([head_like(s, s.points) for s in scenes])
    balls = np.concatenate([
        head_like(s, s.distractors[s.distractor_kinds == 0])
        for s in scenes])
    assert heads.mean() > 0.9 and balls.mean() < 0.75


def test_counts_vary_widely(scenes):
    counts = np.array([len(s.points) for s in scenes])
    assert counts.min() >= 10 and counts.max() <= 400
    assert counts.min() < 30 and counts.max() > 150 and counts.std() > 40


def test_heads_grow_toward_the_bottom(scenes):
    for s in scenes:
        lower = s.points[:, 1] > s.image.shape[0] / 2
        if lower.sum() >= 3 and (~lower).sum() >= 3:
            assert s.radii[lower].mean() > s.radii[~lower].mean()
    top = np.concatenate([s.radii[s.points[:, 1] < 40] for s in scenes])
    assert 2 < top.mean() < 5 and top.max() < 6


def test_distractors_are_present_and_not_heads(scenes):
    for s in scenes:
        assert len(s.distractors) >= SceneParams().min_distractors
        col, row = np.rint(s.distractors).astype(int).T
        assert (s.head_map[row, col] == -1).all()
    kinds = np.concatenate([s.distractor_kinds for s in scenes])
    assert set(kinds) == set(range(len(DISTRACTOR_KINDS)))


def test_scene_params_are_checked():
    assert SceneParams(image_size=300).image_size == (300, 300)
    assert SceneParams(count_range=[5, 9]).count_range == (5, 9)
    with pytest.raises(ValueError, match='count_range must be'):
        SceneParams(count_range=(50, 10))
    with pytest.raises(ValueError, match='image_size must be'):
        SceneParams(image_size=(8, 8))


def test_styles_make_images_differ_as_scenes_do(scenes, styled):
    from p2r_mm.datasets.synthetic.scene_layout import scene_rng
    from p2r_mm.datasets.synthetic.scene_style import draw_style
    styles = [draw_style(scene_rng(0, 'train:style', k), SceneParams(),
                         len(DISTRACTOR_KINDS)) for k in range(16)]
    assert len({st.background for st in styles}) >= 3
    assert len({st.lighting for st in styles}) >= 3
    # Head sizes vary between images far more than within one style.
    def spread(ss):
        return np.std([np.log(s.radii.mean()) for s in ss])
    assert spread(styled) > 1.5 * spread(scenes)
    # So do colour statistics (lighting, background, palette).
    def colour_spread(ss):
        return np.std([s.image.reshape(-1, 3).mean(0) for s in ss], 0).mean()
    assert colour_spread(styled) > colour_spread(scenes)
    # Perspective never inverts: the top heads are at most the bottom's.
    for s in styled:
        lower = s.points[:, 1] > s.image.shape[0] / 2
        if lower.sum() >= 3 and (~lower).sum() >= 3:
            assert s.radii[lower].mean() > 0.85 * s.radii[~lower].mean()
