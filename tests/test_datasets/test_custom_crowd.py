import json
import os
import os.path as osp

import numpy as np
import pytest

from p2r_mm.datasets.custom_crowd import CustomCrowdDataset
from .fake_crowd_data import make_custom, write_image


def load_all(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


@pytest.mark.parametrize('mode', ['json', 'txt'])
def test_loads_both_annotation_forms(tmp_path, mode):
    root = str(tmp_path)
    expected = make_custom(root, n=5, mode=mode)
    cfg = (dict(ann_file='annotations.json') if mode == 'json' else
           dict(data_prefix=dict(ann_path='labels')))
    infos = load_all(CustomCrowdDataset(data_root=root, **cfg))
    assert [i['img_path'] for i in infos] == list(expected)
    for info in infos:
        want = expected[info['img_path']]
        np.testing.assert_array_equal(info['gt_points'], want['points'])
        assert (info['width'], info['height']) == (want['width'],
                                                   want['height'])
    assert infos[-1]['img_path'].endswith('.png')


@pytest.fixture
def custom(tmp_path):
    root = str(tmp_path)
    make_custom(root, n=6)
    write_image(osp.join(root, 'images', 'extra.jpg'), 16, 16)
    return root



def test_txt_labels_with_a_bom(tmp_path):
    root = str(tmp_path)
    expected = make_custom(root, n=2, mode='txt')
    label = osp.join(root, 'labels', 'a0.txt')
    with open(label, 'rb') as f:
        text = f.read()
    with open(label, 'wb') as f:
        f.write(b'\xef\xbb\xbf' + text)  # as Windows editors save it
    infos = load_all(CustomCrowdDataset(
        data_root=root, data_prefix=dict(ann_path='labels')))
    np.testing.assert_array_equal(
        infos[0]['gt_points'], expected[infos[0]['img_path']]['points'])

def test_image_missing_from_the_json(custom):
    with pytest.raises(FileNotFoundError,
                       match=r"1 images have no annotation: .*extra.jpg "
                       r"\(expected .*annotations.json\['extra.jpg'\]\)"):
        CustomCrowdDataset(data_root=custom, ann_file='annotations.json')


def test_unannotated_images_are_the_unlabelled_subset(custom):
    dataset = CustomCrowdDataset(data_root=custom,
                                 ann_file='annotations.json',
                                 allow_unannotated=True, subset='unlabeled')
    (info, ) = load_all(dataset)
    assert info['img_id'] == 'extra' and not info['has_gt']
    assert info['gt_points'].shape == (0, 2)
    every = load_all(CustomCrowdDataset(data_root=custom,
                                        ann_file='annotations.json',
                                        allow_unannotated=True))
    assert sum(i['labeled'] for i in every) == 6 and len(every) == 7


def test_json_naming_absent_images(custom):
    path = osp.join(custom, 'annotations.json')
    with open(path) as f:
        entries = json.load(f)
    entries['ghost.jpg'] = [[1, 1]]
    entries['extra.jpg'] = []
    with open(path, 'w') as f:
        json.dump(entries, f)
    with pytest.raises(ValueError,
                       match=r"annotations.json annotates 1 images that "
                       r"are not in .*images: ghost.jpg"):
        CustomCrowdDataset(data_root=custom, ann_file='annotations.json')


def test_malformed_entry_names_file_and_image(custom):
    path = osp.join(custom, 'annotations.json')
    with open(path) as f:
        entries = json.load(f)
    entries['extra.jpg'] = [[1, 2, 3]]
    with open(path, 'w') as f:
        json.dump(entries, f)
    with pytest.raises(ValueError,
                       match=r"annotations.json\['extra.jpg'\]: points "
                       r"must have shape \(N, 2\), got \(1, 3\)"):
        CustomCrowdDataset(data_root=custom, ann_file='annotations.json')
    with open(path, 'w') as f:
        f.write('{"a0.jpg": [[1, 2]')
    with pytest.raises(ValueError,
                       match='annotations.json: cannot read the JSON'):
        CustomCrowdDataset(data_root=custom, ann_file='annotations.json')



def test_a_repeated_image_key_is_refused_and_a_bom_is_read(custom):
    """json.load would keep only the last of two entries for one image
    (a hand-merged file), losing points silently; a byte-order mark, as
    Windows editors write, is fine."""
    path = osp.join(custom, 'annotations.json')
    with open(path) as f:
        entries = json.load(f)
    first = sorted(entries)[0]
    text = json.dumps(entries)
    with open(path, 'wb') as f:
        f.write(b'\xef\xbb\xbf' + text.encode())
    dataset = CustomCrowdDataset(data_root=custom, ann_file='annotations.json',
                                 allow_unannotated=True)  # extra.jpg
    assert sum(d['has_gt'] for d in load_all(dataset)) == len(entries)
    with open(path, 'w') as f:
        f.write(text[:-1] + f', "{first}": [[1, 1]]}}')
    with pytest.raises(ValueError, match=rf"annotations.json: cannot read "
                       rf"the JSON file \(the key '{first}' appears twice"):
        CustomCrowdDataset(data_root=custom, ann_file='annotations.json')

def test_annotation_source_must_be_exactly_one(custom):
    with pytest.raises(ValueError, match='exactly one of ann_file'):
        CustomCrowdDataset(data_root=custom)
    with pytest.raises(ValueError, match='exactly one of ann_file'):
        CustomCrowdDataset(data_root=custom, ann_file='annotations.json',
                           data_prefix=dict(ann_path='labels'))


def test_missing_txt_and_empty_folder(tmp_path):
    root = str(tmp_path)
    make_custom(root, n=3, mode='txt')
    os.remove(osp.join(root, 'labels', 'a1.txt'))
    with pytest.raises(FileNotFoundError, match=r'labels/a1.txt'):
        CustomCrowdDataset(data_root=root, data_prefix=dict(ann_path='labels'))
    with pytest.raises(FileNotFoundError,
                       match=r'pics/\*\{\.jpg,\.jpeg,\.png,\.bmp\}'):
        CustomCrowdDataset(data_root=root, data_prefix=dict(
            img_path='pics', ann_path='labels'))


def test_labeled_ratio_is_reproducible(tmp_path):
    root = str(tmp_path)
    make_custom(root, n=20)

    def labelled(seed):
        dataset = CustomCrowdDataset(data_root=root,
                                     ann_file='annotations.json',
                                     labeled_ratio=0.05, seed=seed,
                                     subset='labeled')
        return [i['img_id'] for i in load_all(dataset)]

    assert len(labelled(0)) == 1  # 5 % of 20
    assert labelled(0) == labelled(0)
    assert {labelled(s)[0] for s in range(6)} != {labelled(0)[0]}


def test_two_images_with_one_stem(tmp_path):
    root = str(tmp_path)
    make_custom(root, n=3)
    write_image(osp.join(root, 'images', 'a0.png'), 16, 16)
    with pytest.raises(ValueError,
                       match=r'image ids \(file stems\) must be unique: '
                       r'.*images/a0.png'):
        CustomCrowdDataset(data_root=tmp_path, ann_file='annotations.json')


def test_labelled_list_naming_an_unannotated_image(custom, tmp_path):
    listed = tmp_path / 'lab.txt'
    listed.write_text('a1.jpg\nextra.jpg\n')
    with pytest.raises(ValueError,
                       match=r"labeled_split='.*lab.txt'.*lists images "
                       r'without an annotation: extra'):
        CustomCrowdDataset(data_root=custom, ann_file='annotations.json',
                           allow_unannotated=True,
                           labeled_split=str(listed))
