import os.path as osp

import numpy as np
import pytest

from p2r_mm.datasets.splits import (SPLITS_DIR, draw_subset, image_stem,
                                    list_dataset, read_split_file,
                                    resolve_split_file, shipped_holdout_files,
                                    shipped_split_files, split_protocol,
                                    subset_ids)

# Published list sizes (see p2r_mm/datasets/splits/README.md).
SHIPPED_SIZES = {
    'sha-5.txt': 15, 'sha-10.txt': 30, 'sha-40.txt': 120,
    'shb-5.txt': 20, 'shb-10.txt': 40, 'shb-40.txt': 160,
    'ucf-5.txt': 55, 'ucf-10.txt': 109, 'ucf-40.txt': 433,
    'jhu-5.txt': 114, 'jhu-10.txt': 228, 'jhu-40.txt': 909,
    'nwpu-5.txt': 155, 'nwpu-10.txt': 310, 'nwpu-40.txt': 1243,
    'nwpu-val.txt': 310, 'shb-holdout.txt': 40, 'shb-1.txt': 4,
    'shb-0.5.txt': 2,
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


def read_shipped(name):
    return read_split_file(resolve_split_file(name))


def test_held_out_lists_are_disjoint_from_the_labelled_lists():
    held_lists = shipped_holdout_files()
    assert held_lists == ['nwpu-val.txt', 'shb-holdout.txt']
    assert shipped_holdout_files('shb') == ['shb-holdout.txt']
    for held_name in held_lists:
        held = set(read_shipped(held_name))
        labelled_lists = [
            f for f in shipped_split_files() if f not in held_lists
            and list_dataset(f) == list_dataset(held_name)]
        assert len(labelled_lists) >= 3, held_name
        for name in labelled_lists:
            assert not held & set(read_shipped(name)), (held_name, name)


def test_shb_holdout_is_40_train_images():
    names = read_shipped('shb-holdout.txt')
    train = {f'IMG_{k}.jpg' for k in range(1, 401)}
    assert len(names) == len(set(names)) == 40 and set(names) <= train


def test_shb_holdout_rederives_from_the_readme_recipe():
    # The draw documented in p2r_mm/datasets/splits/README.md.
    labelled = set().union(*(read_shipped(f'shb-{p}.txt')
                             for p in (5, 10, 40)))
    pool = [f'IMG_{k}.jpg' for k in range(1, 401)
            if f'IMG_{k}.jpg' not in labelled]
    assert len(pool) == 202
    picked = np.random.RandomState(0).choice(len(pool), 40, replace=False)
    assert read_shipped('shb-holdout.txt') == [pool[i]
                                               for i in sorted(picked)]


def test_shb_1_rederives_from_the_readme_recipe():
    # The 1 % CPU list documented in p2r_mm/datasets/splits/README.md.
    five = read_shipped('shb-5.txt')
    picked = np.random.RandomState(0).choice(len(five), 4, replace=False)
    assert read_shipped('shb-1.txt') == sorted(
        (five[i] for i in picked), key=lambda n: int(n[4:-4]))


def test_shb_0_5_rederives_from_the_readme_recipe():
    # The 0.5 % CPU list: 2 of shb-1.txt, drawn as shb-1.txt was.
    one = read_shipped('shb-1.txt')
    picked = np.random.RandomState(0).choice(len(one), 2, replace=False)
    assert read_shipped('shb-0.5.txt') == sorted(
        (one[i] for i in picked), key=lambda n: int(n[4:-4]))


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


def write_list(path, stems):
    path.write_text(''.join(f'{i}.jpg\n' for i in stems))
    return str(path)


def test_protocol_lists_are_checked(tmp_path):
    held_out = split_protocol(IDS, ANNOTATED, holdout=0.5)[1]
    assert len(held_out) == 10  # round(.5 * 19)
    lab = write_list(tmp_path / 'lab.txt',
                     sorted(set(IDS[:19]) - held_out)[:2])
    labeled, held = split_protocol(IDS, ANNOTATED, labeled_split=lab,
                                   holdout=0.5, where='DS')
    assert len(labeled) == 2 and held == held_out
    hold = write_list(tmp_path / 'hold.txt', [sorted(labeled)[0]])
    with pytest.raises(ValueError, match=(
            rf"DS: holdout='.*hold.txt' \(.*hold.txt\) lists 1 images that "
            rf"labeled_split='.*lab.txt' \(.*lab.txt\) labels too: "
            rf'{sorted(labeled)[0]};')):
        split_protocol(IDS, ANNOTATED, labeled_split=lab, holdout=hold,
                       where='DS')
    with pytest.raises(ValueError, match='cannot hold out 20 of the 19'):
        split_protocol(IDS, ANNOTATED, labeled_split=lab, holdout=20)
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


def test_holdout_list_names_missing_images_with_its_file(tmp_path):
    hold = write_list(tmp_path / 'hold.txt', ['IMG_3', 'IMG_99'])
    with pytest.raises(ValueError, match=r"holdout='.*hold.txt' "
                       r'\(.*hold.txt\) names 1 images that are not in DS: '
                       r'IMG_99\.jpg'):
        split_protocol(IDS, ANNOTATED, holdout=hold, where='DS')


@pytest.mark.parametrize('holdout', [3, 0.25])
def test_drawn_holdout_does_not_depend_on_labeled_split(tmp_path, holdout):
    held_out = split_protocol(IDS, ANNOTATED, holdout=holdout, seed=2)[1]
    assert held_out  # a validation dataset's or an oracle's draw
    rest = sorted(set(IDS[:19]) - held_out)
    for k, stems in enumerate((rest[:2], rest[-5:])):
        lab = write_list(tmp_path / f'lab{k}.txt', stems)
        assert split_protocol(IDS, ANNOTATED, labeled_split=lab,
                              holdout=holdout, seed=2)[1] == held_out


def test_drawn_holdout_hitting_labelled_images_is_an_error(tmp_path):
    held_out = split_protocol(IDS, ANNOTATED, holdout=3, seed=2)[1]
    hit = sorted(held_out)[0]
    lab = write_list(tmp_path / 'lab.txt', [hit, 'IMG_19'])
    with pytest.raises(ValueError, match=(
            rf"DS: holdout=3 with seed=2 .* holds out 1 images that "
            rf"labeled_split='.*lab.txt' \(.*lab.txt\) labels: {hit}\. "
            r'.*holdout=<path> \(shipped held-out lists: nwpu-val.txt, '
            r'shb-holdout.txt\)')):
        split_protocol(IDS, ANNOTATED, labeled_split=lab, holdout=3, seed=2,
                       where='DS')


SHB_IDS = [f'IMG_{k}' for k in range(1, 401)]
SHB_ANNOTATED = dict.fromkeys(SHB_IDS, True)


def test_shb_holdout_count_overlapping_shb5_points_to_the_shipped_list():
    # The draw every SHB dataset without labeled_split made with
    # holdout=40, seed=0: it holds out IMG_174, a 5 % labelled image.
    with pytest.raises(ValueError, match=(
            r"holdout=40 with seed=0 .* 1 images that "
            r"labeled_split='shb-5.txt' \(.*shb-5.txt\) labels: IMG_174\. "
            r".*use the shipped held-out list holdout='shb-holdout.txt'")):
        split_protocol(SHB_IDS, SHB_ANNOTATED, labeled_split='shb-5.txt',
                       holdout=40, seed=0)


@pytest.mark.parametrize('labeled_split', [None, 'shb-5.txt', 'shb-10.txt',
                                           'shb-40.txt'])
def test_shb_holdout_list_is_the_same_for_every_protocol(labeled_split):
    labeled, held_out = split_protocol(SHB_IDS, SHB_ANNOTATED,
                                       labeled_split=labeled_split,
                                       holdout='shb-holdout.txt')
    assert held_out == {image_stem(n)
                        for n in read_shipped('shb-holdout.txt')}
    assert not labeled & held_out
