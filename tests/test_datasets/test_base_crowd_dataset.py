"""Behaviour shared by every crowd dataset (out-of-image policy, subsets,
hold-out, argument checks), exercised through the simplest formats."""
import json
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from p2r_mm.datasets.custom_crowd import CustomCrowdDataset
from p2r_mm.datasets.jhu_crowd import JHUCrowdDataset
from p2r_mm.datasets.ucf_qnrf import UCFQNRFDataset
from .fake_crowd_data import (captured_warnings, make_custom, make_jhu_crowd,
                              make_ucf_qnrf, write_image, write_jhu_txt)


def custom_with_points(root, points_by_name, size=(20, 10)):
    """Images of ``size`` (w, h) with the given points, JSON-annotated."""
    for name in points_by_name:
        write_image(osp.join(root, 'images', name), *size)
    with open(osp.join(root, 'ann.json'), 'w') as f:
        json.dump(points_by_name, f)
    return dict(data_root=root, ann_file='ann.json')


def all_infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


# ------------------------------------------------------------ out of image
OFF_GRID = {
    # 20 x 10 image: x in [0, 19], y in [0, 9] is on the grid.
    'a.jpg': [[0, 0], [19, 9], [19.5, 3], [5, -2]],
    'b.jpg': [[3, 4]],
    'c.jpg': [[25, 12]],
}


def test_border_points_are_inside(tmp_path):
    cfg = custom_with_points(str(tmp_path), {'a.jpg': [[0, 0], [19, 9]]})
    with captured_warnings() as logged:
        info = CustomCrowdDataset(out_of_image='error', **cfg)
    assert not logged
    np.testing.assert_array_equal(info.get_data_info(0)['gt_points'],
                                  [[0, 0], [19, 9]])


def test_clip_is_the_default_keeps_counts_and_warns_once(tmp_path):
    cfg = custom_with_points(str(tmp_path), OFF_GRID)
    with captured_warnings() as logged:
        infos = all_infos(CustomCrowdDataset(**cfg))
    assert [len(i['gt_points']) for i in infos] == [4, 1, 1]
    np.testing.assert_array_equal(infos[0]['gt_points'],
                                  [[0, 0], [19, 9], [19, 3], [5, 0]])
    np.testing.assert_array_equal(infos[2]['gt_points'], [[19, 9]])
    assert len(logged) == 1
    assert '3 points in 2 annotation files lie outside' in logged[0]
    assert "ann.json['a.jpg'] (2, up to 2.0 px)" in logged[0]
    assert "ann.json['c.jpg'] (1, up to 6.0 px)" in logged[0]
    assert "clipped to the border (out_of_image='clip')" in logged[0]


def test_drop_removes_points_and_their_head_sizes(tmp_path):
    root = str(tmp_path)
    expected = make_jhu_crowd(root, n_train=3, n_val=0, n_test=0)
    img = sorted(expected['train'])[1]
    want = expected['train'][img]
    w = want['width']
    points = np.concatenate([want['points'], [[w - 0.5, 1], [-1, 1]]])
    sizes = np.concatenate([want['head_sizes'], [[3, 3], [4, 4]]])
    write_jhu_txt(osp.join(root, 'train', 'gt', '0002.txt'), points, sizes)
    with captured_warnings() as logged:
        dataset = JHUCrowdDataset(data_root=root, out_of_image='drop')
    info = dataset.get_data_info(1)
    np.testing.assert_array_equal(info['gt_points'], want['points'])
    np.testing.assert_array_equal(info['gt_head_sizes'], want['head_sizes'])
    assert len(logged) == 1 and '0002.txt (2, up to 1.0 px)' in logged[0]
    assert 'dropped' in logged[0]


def test_error_policy_names_the_files(tmp_path):
    cfg = custom_with_points(str(tmp_path), OFF_GRID)
    with pytest.raises(ValueError,
                       match=r"3 points in 2 annotation files.*"
                       r"ann.json\['a.jpg'\].*ann.json\['c.jpg'\].*"
                       r"out_of_image='clip' or 'drop'"):
        CustomCrowdDataset(out_of_image='error', **cfg)


# ------------------------------------------------------------ subsets
@pytest.fixture
def qnrf(tmp_path):
    root = str(tmp_path)
    make_ucf_qnrf(root, n_train=20, n_test=1)
    return root


def ids_of(dataset):
    return {i['img_id'] for i in all_infos(dataset)}


def test_labeled_ratio_is_deterministic_and_partitions(qnrf):
    def load(**kw):
        return UCFQNRFDataset(data_root=qnrf, labeled_ratio=0.25, **kw)

    labeled = ids_of(load(subset='labeled'))
    assert len(labeled) == 5
    assert labeled == ids_of(load(subset='labeled', seed=0))
    assert labeled != ids_of(load(subset='labeled', seed=1))
    unlabeled = ids_of(load(subset='unlabeled'))
    assert len(unlabeled) == 15 and not labeled & unlabeled
    infos = all_infos(load())
    assert {i['img_id'] for i in infos if i['labeled']} == labeled
    assert all(i['has_gt'] == i['labeled'] for i in infos)


def test_unlabeled_points_can_be_kept(qnrf):
    infos = all_infos(UCFQNRFDataset(data_root=qnrf, labeled_ratio=0.25,
                                     subset='unlabeled',
                                     hide_unlabeled_gt=False))
    assert all(i['has_gt'] and not i['labeled'] for i in infos)
    assert all(len(i['gt_points']) > 0 for i in infos)


@pytest.mark.parametrize('holdout, size', [(3, 3), (0.1, 2)])
def test_random_holdout_is_excluded_from_training_subsets(qnrf, holdout,
                                                          size):
    def load(subset):
        return ids_of(UCFQNRFDataset(data_root=qnrf, holdout=holdout,
                                     labeled_ratio=0.25, subset=subset))

    held = load('holdout')
    assert len(held) == size
    assert held == load('holdout')  # same seed, same draw
    every = load('all')
    assert len(every) == 20 - size and not held & every
    assert load('labeled') | load('unlabeled') == every


def test_holdout_count_is_the_same_with_any_labelled_list(qnrf, tmp_path):
    # The validation dataset has no labeled_split; the training ones do.
    val = UCFQNRFDataset(data_root=qnrf, holdout=2, subset='holdout',
                         test_mode=True)
    held = ids_of(val)
    assert len(held) == 2
    assert all(i['labeled'] and i['has_gt'] for i in all_infos(val))
    listed = tmp_path / 'lab.txt'
    rest = [f'img_{k:04d}' for k in range(1, 21)
            if f'img_{k:04d}' not in held]
    listed.write_text(''.join(f'{i}.jpg\n' for i in rest[::2]))
    train = UCFQNRFDataset(data_root=qnrf, labeled_split=str(listed),
                           holdout=2)
    assert not held & ids_of(train) and len(train) == 18
    assert ids_of(UCFQNRFDataset(data_root=qnrf, labeled_split=str(listed),
                                 holdout=2, subset='holdout')) == held


def test_holdout_count_hitting_labelled_images_is_an_error(qnrf, tmp_path):
    held = sorted(ids_of(UCFQNRFDataset(data_root=qnrf, holdout=2,
                                        subset='holdout')))
    listed = tmp_path / 'lab.txt'
    listed.write_text(f'{held[1]}.jpg\n')
    with pytest.raises(ValueError,
                       match=rf"UCFQNRFDataset\(.*\): holdout=2 with seed=0 "
                       rf".* 1 images that labeled_split='.*lab.txt' "
                       rf"\(.*lab.txt\) labels: {held[1]}\."):
        UCFQNRFDataset(data_root=qnrf, labeled_split=str(listed), holdout=2)


def test_holdout_list_overlapping_labelled_list(qnrf, tmp_path):
    lab, val = tmp_path / 'lab.txt', tmp_path / 'val.txt'
    lab.write_text('img_0001.jpg\nimg_0002.jpg\n')
    val.write_text('img_0002.jpg\nimg_0003.jpg\n')
    assert ids_of(UCFQNRFDataset(data_root=qnrf, holdout=str(val),
                                 subset='holdout')) == {'img_0002',
                                                        'img_0003'}
    with pytest.raises(ValueError,
                       match=r"holdout='.*val.txt' \(.*val.txt\) lists 1 "
                       r"images that labeled_split='.*lab.txt' "
                       r'\(.*lab.txt\) labels too: img_0002;'):
        UCFQNRFDataset(data_root=qnrf, labeled_split=str(lab),
                       holdout=str(val))


def test_holdout_list_with_images_not_in_the_split(qnrf, tmp_path):
    val = tmp_path / 'val.txt'
    val.write_text('img_0002.jpg\nimg_0042.jpg\n')
    with pytest.raises(ValueError,
                       match=r"holdout='.*val.txt' \(.*val.txt\) names 1 "
                       r'images that are not in UCFQNRFDataset\(.*\): '
                       r'img_0042\.jpg'):
        UCFQNRFDataset(data_root=qnrf, holdout=str(val))


def test_empty_subset_is_an_error(qnrf):
    with pytest.raises(ValueError,
                       match=r"subset='unlabeled' is empty \(20 images in "
                       r'the split, 20 labelled, 0 held out\)'):
        UCFQNRFDataset(data_root=qnrf, subset='unlabeled')


@pytest.mark.parametrize('kwargs, match', [
    (dict(subset='some'), 'subset must be one of'),
    (dict(subset='holdout'), 'needs holdout='),
    (dict(labeled_split='sha-5.txt', labeled_ratio=0.1), 'not both'),
    (dict(labeled_ratio=1.5), r'labeled_ratio must be in \(0, 1\]'),
    (dict(holdout=1.0), 'holdout must be'),
    (dict(holdout=True), 'holdout must be'),
    (dict(seed=-1), 'seed must be'),
    (dict(out_of_image='keep'), 'out_of_image must be one of'),
    (dict(data_root=''), 'data_root is required'),
])
def test_argument_checks(qnrf, kwargs, match):
    kwargs = dict(dict(data_root=qnrf), **kwargs)
    with pytest.raises(ValueError, match=match):
        UCFQNRFDataset(**kwargs)


def test_exif_rotation_is_reported(tmp_path):
    root = str(tmp_path)
    make_custom(root, n=3)
    path = osp.join(root, 'images', 'a1.jpg')
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when displayed
    Image.open(path).save(path, exif=exif.tobytes())
    with captured_warnings() as logged:
        CustomCrowdDataset(data_root=root, ann_file='annotations.json')
    assert len(logged) == 1
    assert '1 images carry an EXIF rotation' in logged[0]
    assert 'a1.jpg' in logged[0]
