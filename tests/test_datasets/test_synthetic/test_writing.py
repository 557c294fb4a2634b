import os
import os.path as osp

import numpy as np
import pytest

from p2r_mm.datasets.synthetic import writing
from p2r_mm.datasets.synthetic.scene_layout import generate_scene
from .small_data import SMALL_PARAMS, files_of, infos, synthetic


def test_files_are_deterministic_and_parallel_safe(tmp_path):
    runs = {}
    for name, seed, workers in (('a', 0, 1), ('b', 0, 2), ('c', 1, 1)):
        writing.ensure_split(str(tmp_path / name), 'train', 5, seed,
                                  SMALL_PARAMS, workers=workers)
        runs[name] = files_of(tmp_path / name)
    assert runs['a'] == runs['b']
    assert set(runs['a']) == set(runs['c'])
    assert runs['a']['train/images/000000.jpg'] != \
        runs['c']['train/images/000000.jpg']


def test_generates_when_missing_and_matches_the_scenes(tmp_path):
    dataset = synthetic(tmp_path, num_images=4, generator_seed=3)
    meta = writing.read_meta(str(tmp_path / 'train'))
    assert meta['num_images'] == 4 and meta['seed'] == 3
    assert meta['version'] == writing.GENERATOR_VERSION
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
    meta = writing.read_meta(str(tmp_path / 'train'))
    assert meta['num_images'] == len(after)
    assert sorted(os.listdir(tmp_path)) == ['train']


def test_regenerates_for_a_new_generator_version(tmp_path, monkeypatch):
    synthetic(tmp_path, num_images=2)
    monkeypatch.setattr(writing, 'GENERATOR_VERSION', 99)
    synthetic(tmp_path, num_images=2)
    assert writing.read_meta(str(tmp_path / 'train'))['version'] == 99


def test_a_failed_generation_leaves_nothing(tmp_path, monkeypatch):
    def crash(split_dir, *args):
        open(osp.join(split_dir, 'images', '000000.jpg'), 'w').close()
        raise RuntimeError('disk full')
    monkeypatch.setattr(writing, 'write_images', crash)
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
    write_split = writing.write_split

    def counted(*args, **kwargs):
        calls.append(args[0])
        return write_split(*args, **kwargs)

    def rank_0_generates():  # what rank 0 does before the barrier
        assert not osp.exists(tmp_path / 'train')  # rank 1 waited
        monkeypatch.setattr(writing, 'get_rank', lambda: 0)
        monkeypatch.setattr(writing, 'barrier', lambda: None)
        writing.ensure_split(str(tmp_path), 'train', 2, 0,
                                  SMALL_PARAMS)
        monkeypatch.setattr(writing, 'get_rank', lambda: 1)

    monkeypatch.setattr(writing, 'write_split', counted)
    monkeypatch.setattr(writing, 'get_rank', lambda: 1)
    monkeypatch.setattr(writing, 'barrier', rank_0_generates)
    writing.ensure_split(str(tmp_path), 'train', 2, 0, SMALL_PARAMS)
    assert len(calls) == 1  # rank 1 found rank 0's split
