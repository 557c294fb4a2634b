import json
import os
import os.path as osp
import runpy
import sys

import numpy as np
import pytest
from mmengine.registry import DefaultScope

from p2r_mm.datasets import synthetic_io
from p2r_mm.datasets.custom_crowd import CustomCrowdDataset
from p2r_mm.datasets.synthetic import SceneParams, generate_scene
from p2r_mm.datasets.synthetic_dataset import SyntheticCrowdDataset
from p2r_mm.datasets.synthetic_draw import DISTRACTOR_KINDS
from p2r_mm.registry import DATASETS

# Small scenes keep the on-disk tests fast; the scene tests use defaults.
SMALL = dict(image_size=(64, 96), scene=dict(count_range=(5, 40)))
SMALL_PARAMS = SceneParams(image_size=(64, 96), count_range=(5, 40))
TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                'dataset_converters', 'make_synthetic_crowd.py')


@pytest.fixture(scope='module')
def scenes():
    return [generate_scene(0, k) for k in range(16)]


def files_of(folder):
    """{relative path: bytes} of every file under ``folder``."""
    out = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, folder)] = f.read()
    return out


def synthetic(root, **kwargs):
    return SyntheticCrowdDataset(data_root=str(root), **{**SMALL, **kwargs})


def infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


# ------------------------------------------------------------ scenes
def test_scene_depends_only_on_seed_split_and_index():
    a, b = generate_scene(0, 3), generate_scene(0, 3)
    for field in ('image', 'points', 'radii', 'distractors', 'head_map'):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    for other in (generate_scene(1, 3), generate_scene(0, 4),
                  generate_scene(0, 3, split='test')):
        assert (other.image.shape != a.image.shape
                or not np.array_equal(other.image, a.image))


def test_points_are_visible_head_centres(scenes):
    for s in scenes:
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


# ------------------------------------------------------------ on disk
def test_files_are_deterministic_and_parallel_safe(tmp_path):
    runs = {}
    for name, seed, workers in (('a', 0, 1), ('b', 0, 2), ('c', 1, 1)):
        synthetic_io.ensure_split(str(tmp_path / name), 'train', 5, seed,
                                  SMALL_PARAMS, workers=workers)
        runs[name] = files_of(tmp_path / name)
    assert runs['a'] == runs['b']
    assert set(runs['a']) == set(runs['c'])
    assert runs['a']['train/images/000000.jpg'] != \
        runs['c']['train/images/000000.jpg']


def test_generates_when_missing_and_matches_the_scenes(tmp_path):
    dataset = synthetic(tmp_path, num_images=4, generator_seed=3)
    meta = synthetic_io.read_meta(str(tmp_path / 'train'))
    assert meta['num_images'] == 4 and meta['seed'] == 3
    assert meta['version'] == synthetic_io.GENERATOR_VERSION
    assert sorted(os.listdir(tmp_path)) == ['train']  # no temporaries
    for k, info in enumerate(infos(dataset)):
        scene = generate_scene(3, k, 'train', SMALL_PARAMS)
        assert info['img_id'] == f'{k:06d}' and info['has_gt']
        assert (info['height'], info['width']) == scene.image.shape[:2]
        np.testing.assert_array_equal(info['gt_points'], scene.points)


def test_reuses_a_current_split(tmp_path):
    synthetic(tmp_path, num_images=3)
    meta = tmp_path / 'train' / 'meta.json'
    stamp = (os.stat(tmp_path / 'train').st_ino, meta.stat().st_mtime_ns)
    synthetic(tmp_path, num_images=3, labeled_ratio=0.5, subset='labeled')
    assert (os.stat(tmp_path / 'train').st_ino,
            meta.stat().st_mtime_ns) == stamp


@pytest.mark.parametrize('change', [
    dict(num_images=4), dict(generator_seed=1),
    dict(image_size=(70, 90)), dict(scene=dict(count_range=(5, 30)))])
def test_regenerates_on_a_parameter_change(tmp_path, change):
    before = infos(synthetic(tmp_path, num_images=3))
    inode = os.stat(tmp_path / 'train').st_ino
    after = infos(synthetic(tmp_path, **{'num_images': 3, **change}))
    assert os.stat(tmp_path / 'train').st_ino != inode
    assert len(after) == change.get('num_images', 3)
    # Image k depends on (seed, split, k) only: more images, same first 3.
    assert (len(after) == 4) != any(
        a['gt_points'].shape != b['gt_points'].shape
        or not np.array_equal(a['gt_points'], b['gt_points'])
        for a, b in zip(before, after))
    meta = synthetic_io.read_meta(str(tmp_path / 'train'))
    assert meta['num_images'] == len(after)
    assert sorted(os.listdir(tmp_path)) == ['train']


def test_regenerates_for_a_new_generator_version(tmp_path, monkeypatch):
    synthetic(tmp_path, num_images=2)
    monkeypatch.setattr(synthetic_io, 'GENERATOR_VERSION', 99)
    synthetic(tmp_path, num_images=2)
    assert synthetic_io.read_meta(str(tmp_path / 'train'))['version'] == 99


def test_a_failed_generation_leaves_nothing(tmp_path, monkeypatch):
    def crash(split_dir, *args):
        open(osp.join(split_dir, 'images', '000000.jpg'), 'w').close()
        raise RuntimeError('disk full')
    monkeypatch.setattr(synthetic_io, 'write_images', crash)
    with pytest.raises(RuntimeError, match='disk full'):
        synthetic(tmp_path, num_images=2)
    assert os.listdir(tmp_path) == []


def test_old_leftovers_of_killed_runs_are_removed(tmp_path):
    for name in ('.train.tmp-old', '.train.old-old', '.train.tmp-new'):
        os.makedirs(tmp_path / name / 'train')
    for name in ('.train.tmp-old', '.train.old-old'):
        os.utime(tmp_path / name, (0, 0))
    synthetic(tmp_path, num_images=2)
    assert sorted(os.listdir(tmp_path)) == ['.train.tmp-new', 'train']


def test_never_replaces_foreign_data(tmp_path):
    os.makedirs(tmp_path / 'train' / 'images')
    with pytest.raises(FileExistsError, match='not a synthetic crowd split'):
        synthetic(tmp_path, num_images=2)
    assert os.listdir(tmp_path / 'train') == ['images']


def test_other_ranks_wait_for_rank_0(tmp_path, monkeypatch):
    calls = []
    write_split = synthetic_io.write_split

    def counted(*args, **kwargs):
        calls.append(args[0])
        return write_split(*args, **kwargs)

    def rank_0_generates():  # what rank 0 does before the barrier
        assert not osp.exists(tmp_path / 'train')  # rank 1 waited
        monkeypatch.setattr(synthetic_io, 'get_rank', lambda: 0)
        monkeypatch.setattr(synthetic_io, 'barrier', lambda: None)
        synthetic_io.ensure_split(str(tmp_path), 'train', 2, 0,
                                  SMALL_PARAMS)
        monkeypatch.setattr(synthetic_io, 'get_rank', lambda: 1)

    monkeypatch.setattr(synthetic_io, 'write_split', counted)
    monkeypatch.setattr(synthetic_io, 'get_rank', lambda: 1)
    monkeypatch.setattr(synthetic_io, 'barrier', rank_0_generates)
    synthetic_io.ensure_split(str(tmp_path), 'train', 2, 0, SMALL_PARAMS)
    assert len(calls) == 1  # rank 1 found rank 0's split


def test_train_and_test_splits(tmp_path):
    train = synthetic(tmp_path, num_images=3)
    test = synthetic(tmp_path, split='test', num_images=2)
    assert sorted(os.listdir(tmp_path)) == ['test', 'train']
    assert len(test) == 2 and test.describe().endswith("split='test')")
    assert not np.array_equal(train.get_data_info(0)['gt_points'],
                              test.get_data_info(0)['gt_points'])
    with pytest.raises(ValueError, match='split must be one of'):
        synthetic(tmp_path, split='val')
    with pytest.raises(ValueError, match='fixed by the generated layout'):
        synthetic(tmp_path, ann_file='x.json')


def test_semi_supervised_subsets_through_the_custom_loader(tmp_path):
    common = dict(num_images=40, labeled_ratio=0.05, seed=0)
    labeled = infos(synthetic(tmp_path, subset='labeled', **common))
    unlabeled = infos(synthetic(tmp_path, subset='unlabeled', **common))
    assert len(labeled) == 2 and len(unlabeled) == 38
    assert all(i['has_gt'] and len(i['gt_points']) for i in labeled)
    assert not any(i['has_gt'] or len(i['gt_points']) for i in unlabeled)
    ids = {i['img_id'] for i in labeled} | {i['img_id'] for i in unlabeled}
    assert len(ids) == 40
    # The files are plain custom data: the custom loader reads the same.
    plain = infos(CustomCrowdDataset(
        data_root=str(tmp_path), ann_file='train/annotations.json',
        data_prefix=dict(img_path='train/images'), subset='labeled',
        labeled_ratio=0.05, seed=0))
    for a, b in zip(plain, labeled):
        assert a['img_path'] == b['img_path']
        np.testing.assert_array_equal(a['gt_points'], b['gt_points'])


def test_builds_from_config_with_a_pipeline(tmp_path):
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        dataset = DATASETS.build(dict(
            type='SyntheticCrowdDataset', data_root=str(tmp_path),
            num_images=2, **SMALL, pipeline=[
                dict(type='LoadCrowdImage'),
                dict(type='LoadCrowdAnnotations')]))
        sample = dataset[1]
    scene = generate_scene(0, 1, 'train', SMALL_PARAMS)
    assert sample['img'].shape == scene.image.shape
    np.testing.assert_array_equal(sample['gt_points'], scene.points)


def test_converter_tool(tmp_path, monkeypatch, capsys):
    out = str(tmp_path / 'syn')
    monkeypatch.setattr(sys, 'argv', [
        TOOL, '--out', out, '--num-train', '3', '--num-test', '2',
        '--image-size', '64', '96', '--count-range', '5', '40',
        '--workers', '1', '--preview', '2'])
    runpy.run_path(TOOL, run_name='__main__')
    printed = capsys.readouterr().out
    assert 'train: ' in printed and '3 images' in printed
    assert '2 images' in printed and 'median' in printed
    assert sorted(os.listdir(osp.join(out, 'preview'))) == [
        'test_000000.png', 'test_000001.png', 'train_000000.png',
        'train_000001.png']
    with open(osp.join(out, 'train', 'annotations.json')) as f:
        assert sorted(json.load(f)) == ['000000.jpg', '000001.jpg',
                                        '000002.jpg']
    # The same files SyntheticCrowdDataset asks for: reused as they are.
    assert len(synthetic(out, num_images=3)) == 3
