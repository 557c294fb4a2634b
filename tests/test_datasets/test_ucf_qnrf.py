import os.path as osp

import numpy as np
import pytest
from scipy.io import savemat

from p2r_mm.datasets.ucf_qnrf import UCFQNRFDataset
from .fake_crowd_data import make_ucf_qnrf


@pytest.fixture
def qnrf(tmp_path):
    root = str(tmp_path / 'UCF-QNRF_ECCV18')
    return root, make_ucf_qnrf(root, n_train=5, n_test=3)


@pytest.mark.parametrize('split', ['train', 'test'])
def test_loads_points_as_written(qnrf, split):
    root, expected = qnrf
    dataset = UCFQNRFDataset(data_root=root, split=split)
    assert len(dataset) == len(expected[split])
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        want = expected[split][info['img_path']]
        assert info['img_id'] == osp.splitext(
            osp.basename(info['img_path']))[0]
        assert (info['width'], info['height']) == (want['width'],
                                                   want['height'])
        np.testing.assert_array_equal(info['gt_points'], want['points'])
    assert dataset.metainfo['dataset_name'] == 'UCF-QNRF'


def test_missing_split_folder(tmp_path):
    (tmp_path / 'Train').mkdir()
    with pytest.raises(FileNotFoundError,
                       match=r'(?s)Test/\*\.jpg \(the folder does not exist'
                       r'\).*img_0001_ann.mat.*ucf-qnrf'):
        UCFQNRFDataset(data_root=str(tmp_path), split='test')


def test_wrong_key_and_empty_annotation(qnrf):
    root, _ = qnrf
    ann = osp.join(root, 'Train', 'img_0002_ann.mat')
    savemat(ann, {'points': np.zeros((1, 2))})
    with pytest.raises(ValueError,
                       match=r"img_0002_ann.mat: no variable 'annPoints' "
                       r"\(has \['points'\]\)"):
        UCFQNRFDataset(data_root=root)
    # An empty matrix is an image without heads, not an error.
    savemat(ann, {'annPoints': np.zeros((0, 0))})
    info = UCFQNRFDataset(data_root=root).get_data_info(1)
    assert info['gt_points'].shape == (0, 2) and info['has_gt']


def test_holdout_count_for_validation(qnrf):
    root, _ = qnrf
    val = UCFQNRFDataset(data_root=root, holdout=2, subset='holdout')
    train = UCFQNRFDataset(data_root=root, holdout=2)
    assert len(val) == 2 and len(train) == 3
