import json
import os
import os.path as osp
import runpy
import sys

import numpy as np
import pytest
from mmengine.registry import DefaultScope

from p2r_mm.datasets.custom_crowd import CustomCrowdDataset
from p2r_mm.datasets.synthetic import SyntheticCrowdDataset
from p2r_mm.datasets.synthetic.scene_layout import generate_scene
from p2r_mm.registry import DATASETS
from .small_data import SMALL, SMALL_PARAMS, infos, synthetic

TOOL = osp.join(osp.dirname(__file__), '..', '..', '..', 'tools',
                'dataset_converters', 'make_synthetic_crowd.py')

def test_train_val_and_test_splits_are_disjoint(tmp_path):
    splits = {s: synthetic(tmp_path, split=s, num_images=n)
              for s, n in (('train', 6), ('val', 4), ('test', 4))}
    assert sorted(os.listdir(tmp_path)) == ['test', 'train', 'val']
    assert len(splits['val']) == 4
    assert splits['val'].describe().endswith("split='val')")
    # No image of one split appears in another (by content).
    seen = {}
    for split, dataset in splits.items():
        for info in infos(dataset):
            with open(info['img_path'], 'rb') as f:
                key = f.read()
            assert key not in seen, (info['img_path'], seen.get(key))
            seen[key] = info['img_path']
            assert len(info['gt_points'])
    with pytest.raises(ValueError, match='split must be one of'):
        synthetic(tmp_path, split='holdout')
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
        TOOL, '--out', out, '--num-train', '3', '--num-val', '1',
        '--num-test', '2',
        '--image-size', '64', '96', '--count-range', '5', '40',
        '--workers', '1', '--preview', '2'])
    runpy.run_path(TOOL, run_name='__main__')
    printed = capsys.readouterr().out
    assert 'train: ' in printed and '3 images' in printed
    assert '2 images' in printed and 'median' in printed
    assert sorted(os.listdir(osp.join(out, 'preview'))) == [
        'test_000000.png', 'test_000001.png', 'train_000000.png',
        'train_000001.png', 'val_000000.png']
    with open(osp.join(out, 'train', 'annotations.json')) as f:
        assert sorted(json.load(f)) == ['000000.jpg', '000001.jpg',
                                        '000002.jpg']
    # The same files SyntheticCrowdDataset asks for: reused as they are.
    assert len(synthetic(out, num_images=3)) == 3
