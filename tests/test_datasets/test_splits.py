import os.path as osp

import pytest

from p2r_mm.datasets.splits import (SPLITS_DIR, draw_subset, image_stem,
                                    read_split_file, resolve_split_file,
                                    shipped_split_files, split_protocol,
                                    subset_ids)

# Published list sizes (see p2r_mm/datasets/splits/README.md).
SHIPPED_SIZES = {
    'sha-5.txt': 15, 'sha-10.txt': 30, 'sha-40.txt': 120,
    'shb-5.txt': 20, 'shb-10.txt': 40, 'shb-40.txt': 160,
    'ucf-5.txt': 55, 'ucf-10.txt': 109, 'ucf-40.txt': 433,
    'jhu-5.txt': 114, 'jhu-10.txt': 228, 'jhu-40.txt': 909,
    'nwpu-5.txt': 155, 'nwpu-10.txt': 310, 'nwpu-40.txt': 1243,
    'nwpu-val.txt': 310,
}


def test_every_protocol_list_ships_with_its_published_size():
    assert shipped_split_files() == sorted(SHIPPED_SIZES)
    for name, size in SHIPPED_SIZES.items():
        assert len(read_split_file(resolve_split_file(name))) == size, name
    assert osp.isfile(osp.join(SPLITS_DIR, 'README.md'))


def test_shipped_name_resolves_to_the_package_copy():
    path = resolve_split_file('sha-5.txt')
    assert path == osp.join(SPLITS_DIR, 'sha-5.txt')
    names = read_split_file(path)
    assert names[:3] == ['IMG_119.jpg', 'IMG_42.jpg', 'IMG_30.jpg']


def test_nwpu_val_is_disjoint_from_the_labelled_lists():
    val = set(read_split_file(resolve_split_file('nwpu-val.txt')))
    for pct in (5, 10, 40):
        listed = read_split_file(resolve_split_file(f'nwpu-{pct}.txt'))
        assert not val & set(listed)


def test_path_resolution_and_unknown_name(tmp_path):
    own = tmp_path / 'mine.txt'
    own.write_text('# comment\na.jpg\n\nb.jpg\n')
    assert resolve_split_file(str(own)) == str(own)
    assert read_split_file(str(own)) == ['a.jpg', 'b.jpg']
    with pytest.raises(FileNotFoundError, match=r"'nope.txt'.*sha-5.txt"):
        resolve_split_file('nope.txt')


def test_repeated_names_are_an_error(tmp_path):
    own = tmp_path / 'dup.txt'
    own.write_text('a.jpg\nb.jpg\na.jpg\n')
    with pytest.raises(ValueError, match=r"dup.txt.*'a.jpg'"):
        read_split_file(str(own))


def test_image_stem():
    assert image_stem('IMG_5.jpg') == 'IMG_5'
    assert image_stem('train/0001.jpg') == '0001'
    assert image_stem('a\\b\\c.png') == 'c'


def test_draw_subset_is_deterministic_and_order_free():
    ids = [f'IMG_{k}' for k in range(1, 101)]
    first = draw_subset(ids, 10, seed=0, stream=1)
    assert first == draw_subset(ids[::-1], 10, seed=0, stream=1)
    assert len(set(first)) == 10 and set(first) <= set(ids)
    assert first != draw_subset(ids, 10, seed=1, stream=1)
    assert first != draw_subset(ids, 10, seed=0, stream=0)
    with pytest.raises(ValueError, match='cannot draw 101 of 100'):
        draw_subset(ids, 101, seed=0, stream=0)


IDS = [f'IMG_{k}' for k in range(1, 21)]
ANNOTATED = {i: i != 'IMG_20' for i in IDS}  # IMG_20 has no annotation


def test_protocol_without_a_dataset():
    # No protocol: every annotated image is labelled.
    labeled, held_out = split_protocol(IDS, ANNOTATED)
    assert labeled == set(IDS[:19]) and held_out == set()
    # A ratio of the annotated, not held-out images; a disjoint holdout.
    labeled, held_out = split_protocol(IDS, ANNOTATED, labeled_ratio=0.25,
                                       holdout=3, seed=1)
    assert len(held_out) == 3 and len(labeled) == 4  # round(0.25 * 16)
    assert not labeled & held_out and 'IMG_20' not in labeled | held_out
    assert split_protocol(IDS, ANNOTATED, labeled_ratio=0.25, holdout=3,
                          seed=1) == (labeled, held_out)
    assert subset_ids(IDS, labeled, held_out, 'labeled') == labeled
    assert subset_ids(IDS, labeled, held_out, 'holdout') == held_out
    assert subset_ids(IDS, labeled, held_out, 'all') == set(IDS) - held_out
    assert subset_ids(IDS, labeled, held_out,
                      'unlabeled') == set(IDS) - labeled - held_out
    with pytest.raises(ValueError, match='subset must be one of'):
        subset_ids(IDS, labeled, held_out, 'train')


def test_protocol_lists_are_checked(tmp_path):
    lab = tmp_path / 'lab.txt'
    lab.write_text('IMG_1.jpg\nIMG_2.jpg\n')
    labeled, held_out = split_protocol(IDS, ANNOTATED, labeled_split=str(lab),
                                       holdout=0.5, where='DS')
    assert labeled == {'IMG_1', 'IMG_2'}
    assert len(held_out) == 10 and not held_out & labeled  # round(.5 * 19)
    hold = tmp_path / 'hold.txt'
    hold.write_text('IMG_2.jpg\n')
    with pytest.raises(ValueError, match='DS: 1 images are both labelled '
                       'and held out: IMG_2'):
        split_protocol(IDS, ANNOTATED, labeled_split=str(lab),
                       holdout=str(hold), where='DS')
    with pytest.raises(ValueError, match='cannot hold out 18 of the 17'):
        split_protocol(IDS, ANNOTATED, labeled_split=str(lab), holdout=18)
    (tmp_path / 'bad.txt').write_text('IMG_20.jpg\nIMG_99.jpg\n')
    with pytest.raises(ValueError, match=r"names 1 images that are not in "
                       r"DS: IMG_99\.jpg"):
        split_protocol(IDS, ANNOTATED, labeled_split=str(tmp_path /
                                                         'bad.txt'),
                       where='DS')
    (tmp_path / 'bad.txt').write_text('IMG_20.jpg\n')
    with pytest.raises(ValueError, match='without an annotation: IMG_20'):
        split_protocol(IDS, ANNOTATED, labeled_split=str(tmp_path /
                                                         'bad.txt'))
