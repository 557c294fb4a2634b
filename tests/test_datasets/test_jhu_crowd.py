import os
import os.path as osp

import numpy as np
import pytest

from p2r_mm.datasets.jhu_crowd import JHUCrowdDataset
from .fake_crowd_data import make_jhu_crowd


@pytest.fixture
def jhu(tmp_path):
    root = str(tmp_path / 'jhu_crowd_v2.0')
    return root, make_jhu_crowd(root, n_train=5, n_val=2, n_test=2)


@pytest.mark.parametrize('split', ['train', 'val', 'test'])
def test_loads_points_and_head_sizes(jhu, split):
    root, expected = jhu
    dataset = JHUCrowdDataset(data_root=root, split=split)
    assert len(dataset) == len(expected[split])
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        want = expected[split][info['img_path']]
        np.testing.assert_array_equal(info['gt_points'], want['points'])
        np.testing.assert_array_equal(info['gt_head_sizes'],
                                      want['head_sizes'])
        assert info['gt_head_sizes'].dtype == np.float32
        assert (info['width'], info['height']) == (want['width'],
                                                   want['height'])
    # The first image of each split has an empty txt: no heads.
    first = dataset.get_data_info(0)
    assert first['gt_points'].shape == first['gt_head_sizes'].shape == (0, 2)
    assert first['has_gt']


def gt_txt(root, stem):
    return osp.join(root, 'train', 'gt', f'{stem}.txt')


@pytest.mark.parametrize('line, problem', [
    ('1 2 3\n', r'line 2: expected at least 4 numbers, got 3'),
    ('1 2 x 4 0 0\n', r"line 2: not a number \('1 2 x 4 0 0'\)"),
    ('nan 2 3 4 0 0\n', 'points contain NaN or inf'),
    ('1 2 -3 4 0 0\n', r'negative head sizes at rows \[1\]'),
])
def test_malformed_line_names_file_and_line(jhu, line, problem):
    root, _ = jhu
    with open(gt_txt(root, '0002'), 'w') as f:
        f.write('5 5 2 2 1 0\n' + line)
    with pytest.raises(ValueError, match=f'0002.txt.*{problem}'):
        JHUCrowdDataset(data_root=root)


def test_missing_gt_file_and_missing_split(jhu, tmp_path):
    root, _ = jhu
    os.remove(gt_txt(root, '0003'))
    with pytest.raises(FileNotFoundError, match=r'train/gt/0003.txt'):
        JHUCrowdDataset(data_root=root)
    with pytest.raises(FileNotFoundError,
                       match=r'(?s)nothing/val/images/\*\.jpg.*'
                       r'crowd-counting.com'):
        JHUCrowdDataset(data_root=str(tmp_path / 'nothing'), split='val')
