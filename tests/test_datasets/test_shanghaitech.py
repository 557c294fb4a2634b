import os
import os.path as osp

import numpy as np
import pytest
from scipy.io import savemat

from p2r_mm.datasets.shanghaitech import ShanghaiTechDataset
from p2r_mm.registry import DATASETS
from .fake_crowd_data import make_shanghaitech, write_image, write_sha_mat


@pytest.fixture
def sha(tmp_path):
    root = str(tmp_path / 'part_A')
    return root, make_shanghaitech(root, n_train=12, n_test=3)


def gt_file(root, k, split='train'):
    return osp.join(root, f'{split}_data', 'ground-truth', f'GT_IMG_{k}.mat')


@pytest.mark.parametrize('split', ['train', 'test'])
def test_loads_points_and_sizes_as_written(sha, split):
    root, expected = sha
    dataset = ShanghaiTechDataset(data_root=root, split=split)
    assert len(dataset) == len(expected[split])
    # Natural order: IMG_2 before IMG_10.
    ids = [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]
    assert ids == [f'IMG_{k}' for k in range(1, len(ids) + 1)]
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        want = expected[split][info['img_path']]
        assert (info['width'], info['height']) == (want['width'],
                                                   want['height'])
        assert info['gt_points'].dtype == np.float32
        np.testing.assert_array_equal(info['gt_points'], want['points'])
        assert info['has_gt'] and info['labeled']
        assert 'gt_head_sizes' not in info
    assert dataset.metainfo['classes'] == ('person', )
    assert dataset.metainfo['dataset_name'] == 'ShanghaiTech'


def test_builds_from_config_with_basedataset_options(sha):
    root, expected = sha
    dataset = DATASETS.build(
        dict(type='ShanghaiTechDataset', data_root=root, split='test',
             pipeline=[], test_mode=True, lazy_init=True,
             serialize_data=False, indices=2))
    assert not dataset._fully_initialized
    assert len(dataset) == 2 and dataset.test_mode
    assert dataset[0]['img_id'] == 'IMG_1'


def test_accepts_ground_truth_with_underscore(sha):
    root, _ = sha
    os.rename(osp.join(root, 'test_data', 'ground-truth'),
              osp.join(root, 'test_data', 'ground_truth'))
    assert len(ShanghaiTechDataset(data_root=root, split='test')) == 3


def test_missing_tree_names_the_expected_layout(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'(?s)missing/train_data/images/\*\.jpg.*'
                       r'does not exist.*GT_IMG_1.mat.*part_A.*'
                       r"type='SyntheticCrowdDataset'"):
        ShanghaiTechDataset(data_root=str(tmp_path / 'missing'))


def test_image_without_annotation(sha):
    root, _ = sha
    os.remove(gt_file(root, 3))
    with pytest.raises(FileNotFoundError,
                       match=r'1 images have no annotation.*IMG_3.jpg '
                       r'\(expected .*GT_IMG_3.mat\)'):
        ShanghaiTechDataset(data_root=root)


def write_garbage(path):
    with open(path, 'wb') as f:
        f.write(b'not a mat file')


def write_wrong_key(path):
    savemat(path, {'points': np.zeros((2, 2))})


def write_wrong_nesting(path):
    savemat(path, {'image_info': np.zeros((1, 1))})


def write_nan(path):
    write_sha_mat(path, [[1, 2], [np.nan, 3]])


def write_text(path):
    struct = np.zeros((1, 1), dtype=[('location', 'O'), ('number', 'O')])
    struct[0, 0]['location'] = np.array(['ab', 'cd'])
    struct[0, 0]['number'] = np.array([[2.0]])
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = struct
    savemat(path, {'image_info': cell})


@pytest.mark.parametrize('write, problem', [
    (write_garbage, 'cannot read'),
    (write_wrong_key, "no variable 'image_info'"),
    (write_wrong_nesting, 'malformed annotation'),
    (write_nan, 'NaN'),
    (write_text, 'not a numeric'),
])
def test_malformed_mat_is_a_value_error_naming_the_file(
        sha, write, problem):
    root, _ = sha
    write(gt_file(root, 5))
    with pytest.raises(ValueError, match=f'GT_IMG_5.mat.*{problem}'):
        ShanghaiTechDataset(data_root=root)


def test_wrong_point_shape(sha):
    root, _ = sha
    struct = np.zeros((1, 1), dtype=[('location', 'O'), ('number', 'O')])
    struct[0, 0]['location'] = np.ones((4, 3))
    struct[0, 0]['number'] = np.array([[4.0]])
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = struct
    savemat(gt_file(root, 2), {'image_info': cell})
    with pytest.raises(ValueError,
                       match=r'GT_IMG_2.mat: points must have shape \(N, 2\)'
                       r', got \(4, 3\)'):
        ShanghaiTechDataset(data_root=root)


def test_unreadable_image(sha):
    root, _ = sha
    with open(osp.join(root, 'train_data', 'images', 'IMG_4.jpg'), 'wb') as f:
        f.write(b'\0' * 10)
    with pytest.raises(ValueError, match='IMG_4.jpg: cannot read the image'):
        ShanghaiTechDataset(data_root=root)


def test_bad_split_argument(sha):
    with pytest.raises(ValueError, match="split must be one of.*'val'"):
        ShanghaiTechDataset(data_root=sha[0], split='val')


@pytest.fixture(scope='module')
def sha_full(tmp_path_factory):
    """Part A's 300 train images, so the published lists apply."""
    root = str(tmp_path_factory.mktemp('sha_full'))
    make_shanghaitech(root, n_train=300, n_test=0)
    return root


def test_sha_5_protocol(sha_full):
    listed = {'IMG_119', 'IMG_42', 'IMG_30'}
    labeled = ShanghaiTechDataset(data_root=sha_full,
                                  labeled_split='sha-5.txt',
                                  subset='labeled')
    ids = {labeled.get_data_info(i)['img_id'] for i in range(len(labeled))}
    assert len(ids) == 15 and listed <= ids
    unlabeled = ShanghaiTechDataset(data_root=sha_full,
                                    labeled_split='sha-5.txt',
                                    subset='unlabeled')
    assert len(unlabeled) == 285
    for i in range(len(unlabeled)):
        info = unlabeled.get_data_info(i)
        assert info['img_id'] not in ids
        # Unlabelled images carry no points by default.
        assert not info['labeled'] and not info['has_gt']
        assert info['gt_points'].shape == (0, 2)
    every = ShanghaiTechDataset(data_root=sha_full,
                                labeled_split='sha-5.txt')
    flags = [every.get_data_info(i)['labeled'] for i in range(len(every))]
    assert len(every) == 300 and sum(flags) == 15


def test_list_naming_absent_images(sha):
    # sha-5.txt names IMG_119 etc., which a 12-image split does not have.
    with pytest.raises(ValueError,
                       match=r"labeled_split='sha-5.txt'.*names 13 images "
                       r"that are not in ShanghaiTechDataset.*IMG_119.jpg"):
        ShanghaiTechDataset(data_root=sha[0], labeled_split='sha-5.txt')


def test_extra_image_file_without_mat(sha):
    root, _ = sha
    write_image(osp.join(root, 'train_data', 'images', 'IMG_99.jpg'), 8, 8)
    with pytest.raises(FileNotFoundError, match='GT_IMG_99.mat'):
        ShanghaiTechDataset(data_root=root)


def test_fields_are_read_by_name(sha):
    """A .mat re-saved with ``number`` before ``location`` reads the same;
    a struct without ``location`` says so."""
    root, _ = sha
    write_sha_mat(gt_file(root, 3), [[4, 5], [6, 7]],
                  fields=('number', 'location'))
    dataset = ShanghaiTechDataset(data_root=root)
    info = next(d for d in dataset.load_data_list()
                if d['img_path'].endswith('IMG_3.jpg'))
    assert info['gt_points'].tolist() == [[4, 5], [6, 7]]
    struct = np.zeros((1, 1), dtype=[('number', 'O'), ('where', 'O')])
    struct[0, 0]['number'] = np.array([[0.0]])
    struct[0, 0]['where'] = np.zeros((0, 2))
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = struct
    savemat(gt_file(root, 3), {'image_info': cell})
    with pytest.raises(ValueError, match=r"GT_IMG_3.mat: malformed "
                       r"annotation: image_info\{1\} is not a struct with a "
                       r"field 'location' \(fields: \['number', 'where'\]\)"):
        ShanghaiTechDataset(data_root=root)
