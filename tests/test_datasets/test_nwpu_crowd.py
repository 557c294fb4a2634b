import json
import os
import os.path as osp

import numpy as np
import pytest

from p2r_mm.datasets.nwpu_crowd import NWPUCrowdDataset
from .fake_crowd_data import (captured_warnings, make_nwpu_crowd,
                              write_nwpu_json)


@pytest.fixture
def nwpu(tmp_path):
    root = str(tmp_path / 'NWPU-Crowd')
    return root, make_nwpu_crowd(root, n_train=5, n_val=2, n_test=3)


@pytest.mark.parametrize('split', ['train', 'val'])
def test_loads_points_and_box_sizes(nwpu, split):
    root, expected = nwpu
    dataset = NWPUCrowdDataset(data_root=root, split=split)
    assert [dataset.get_data_info(i)['img_path']
            for i in range(len(dataset))] == list(expected[split])
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        want = expected[split][info['img_path']]
        np.testing.assert_array_equal(info['gt_points'], want['points'])
        np.testing.assert_allclose(info['gt_head_sizes'],
                                   want['head_sizes'], atol=1e-5)
        assert info['has_gt'] and info['labeled']
    assert dataset.metainfo['dataset_name'] == 'NWPU-Crowd'


def test_test_split_has_no_annotations(nwpu):
    root, expected = nwpu
    dataset = NWPUCrowdDataset(data_root=root, split='test')
    assert len(dataset) == 3
    for i in range(3):
        info = dataset.get_data_info(i)
        assert not info['has_gt'] and not info['labeled']
        assert info['gt_points'].shape == (0, 2)
        assert info['gt_head_sizes'].shape == (0, 2)
        want = expected['test'][info['img_path']]
        assert (info['width'], info['height']) == (want['width'],
                                                   want['height'])


def test_train_image_without_json_is_an_error(nwpu):
    root, _ = nwpu
    os.remove(osp.join(root, 'jsons', '0002.json'))
    with pytest.raises(FileNotFoundError,
                       match=r'images/0002.jpg \(expected .*jsons/'
                       r'0002.json\)'):
        NWPUCrowdDataset(data_root=root)


def test_human_num_mismatch_warns_naming_the_file(nwpu):
    root, expected = nwpu
    img = list(expected['train'])[2]
    want = expected['train'][img]
    write_nwpu_json(osp.join(root, 'jsons', '0003.json'), want['points'],
                    want['head_sizes'], human_num=99)
    with captured_warnings() as logged:
        info = NWPUCrowdDataset(data_root=root).get_data_info(2)
    assert len(info['gt_points']) == len(want['points'])
    assert len(logged) == 1
    assert f'0003.json (human_num 99, {len(want["points"])} points)' \
        in logged[0]


def test_boxes_not_matching_points(nwpu):
    root, _ = nwpu
    path = osp.join(root, 'jsons', '0004.json')
    with open(path, 'w') as f:
        json.dump(dict(points=[[1, 2], [3, 4]], boxes=[[0, 0, 2, 2]],
                       human_num=2), f)
    with pytest.raises(ValueError, match='0004.json: 2 points but 1 head'):
        NWPUCrowdDataset(data_root=root)
    with open(path, 'w') as f:
        json.dump(dict(points=[[1, 2]], human_num=1), f)
    with pytest.raises(ValueError, match="0004.json: expected an object"):
        NWPUCrowdDataset(data_root=root)


def test_split_list_naming_missing_images(nwpu):
    root, _ = nwpu
    with open(osp.join(root, 'val.txt'), 'a') as f:
        f.write('4999 0 1\n')
    with pytest.raises(FileNotFoundError,
                       match=r'val.txt lists 1 images that do not exist: '
                       r'.*images/4999.jpg'):
        NWPUCrowdDataset(data_root=root, split='val')


def test_missing_split_list(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'(?s)no split list .*train.txt.*'
                       r'crowdbenchmark'):
        NWPUCrowdDataset(data_root=str(tmp_path))


def test_holdout_list(nwpu, tmp_path):
    root, _ = nwpu
    val = tmp_path / 'val.txt'
    val.write_text('0002.jpg\n0004.jpg\n')
    held = NWPUCrowdDataset(data_root=root, holdout=str(val),
                            subset='holdout')
    assert [held.get_data_info(i)['img_id'] for i in range(2)] == [
        '0002', '0004']
    assert len(NWPUCrowdDataset(data_root=root, holdout=str(val))) == 3
