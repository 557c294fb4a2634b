"""A training sample whose image went bad after the dataset was built is
replaced by another (warned once, recorded for the main process); in test
mode it is an error."""
import os
import os.path as osp

import pytest
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement

from p2r_mm.datasets import sample_replacement
from p2r_mm.datasets.custom_crowd import CustomCrowdDataset
from p2r_mm.datasets.image_integrity import DamagedImageError
from p2r_mm.datasets.sample_replacement import (REPLACED_KEY, mark_replaced,
                                                replaced_in_batch)
from .fake_crowd_data import captured_warnings, cut_file, make_custom

PIPELINE = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='PackCrowdInputs'),
]


@pytest.fixture
def images(tmp_path):
    root = str(tmp_path)
    make_custom(root, n=6)
    return root


def dataset(root, pipeline=PIPELINE, **kwargs):
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        return CustomCrowdDataset(data_root=root, ann_file='annotations.json',
                                  pipeline=pipeline, **kwargs)


def index_of(ds, name):
    return next(i for i in range(len(ds))
                if osp.basename(ds.get_data_info(i)['img_path']) == name)


def test_a_damaged_training_image_is_replaced_and_recorded(images):
    ds = dataset(images)
    bad = osp.join(images, 'images', 'a2.jpg')
    cut_file(bad)  # goes bad after the dataset was built
    with captured_warnings() as warnings:
        item = ds[index_of(ds, 'a2.jpg')]
        again = ds[index_of(ds, 'a2.jpg')]
    sample = item['data_samples']
    assert sample.img_path != bad
    # One entry per failed try (the random replacement may hit a2 again).
    failed = sample.metainfo[REPLACED_KEY]
    assert {path for path, _ in failed} == {bad}
    reason = failed[0][1]
    assert reason.startswith('DamagedImageError') and 'cut short' in reason
    assert again['data_samples'].metainfo[REPLACED_KEY][0][0] == bad
    # Warned once per file, naming it.
    assert len([w for w in warnings if 'a2.jpg' in w]) == 1
    assert 'replaced by another one' in warnings[0]
    # The good samples carry nothing.
    good = ds[index_of(ds, 'a1.jpg')]['data_samples']
    assert REPLACED_KEY not in good.metainfo


def test_a_vanished_training_image_is_replaced(images):
    ds = dataset(images)
    os.remove(osp.join(images, 'images', 'a3.jpg'))
    item = ds[index_of(ds, 'a3.jpg')]
    path, reason = item['data_samples'].metainfo[REPLACED_KEY][0]
    assert path.endswith('a3.jpg') and reason.startswith('FileNotFoundError')


def test_in_test_mode_a_damaged_image_is_an_error(images):
    ds = dataset(images, test_mode=True)
    cut_file(osp.join(images, 'images', 'a2.jpg'))
    with pytest.raises(DamagedImageError, match='a2.jpg'):
        ds[index_of(ds, 'a2.jpg')]


def test_nothing_loadable_stops_with_the_failures(images):
    ds = dataset(images, max_refetch=4)
    for name in os.listdir(osp.join(images, 'images')):
        cut_file(osp.join(images, 'images', name))
    with pytest.raises(RuntimeError, match=r'in 5 tries; last failures: .*'
                       r'a\d\.(jpg|png) \(DamagedImageError'):
        ds[0]


def test_a_bug_is_not_mistaken_for_bad_data(images):

    def buggy_transform(results):
        raise TypeError('a bug, not bad data')

    ds = dataset(images, [dict(type='LoadCrowdImage'), buggy_transform])
    with pytest.raises(TypeError, match='a bug'):
        ds[0]


def test_marks_survive_collation_once_per_sample():
    plain = dict(inputs=1, data_samples=BaseDataElement())
    branches = dict(inputs=dict(sup=None, weak=1, strong=1),
                    data_samples=dict(sup=None, weak=BaseDataElement(),
                                      strong=BaseDataElement()))
    assert mark_replaced(plain, [('a.jpg', 'OSError: x')])
    assert mark_replaced(branches, [('b.jpg', 'OSError: y')])
    assert mark_replaced(branches, [('c.jpg', 'OSError: z')])
    assert not mark_replaced(dict(inputs=1), [('d.jpg', 'e')])
    assert replaced_in_batch(pseudo_collate([plain])) == [('a.jpg',
                                                           'OSError: x')]
    assert replaced_in_batch(pseudo_collate([branches, branches])) == [
        ('b.jpg', 'OSError: y'), ('c.jpg', 'OSError: z')] * 2
    assert replaced_in_batch(None) == []


def test_only_the_protocol_module_touches_the_record():
    """The dataset and the hook go through sample_replacement's functions;
    no other module of p2r_mm reads or writes the metainfo record."""
    package = osp.dirname(osp.dirname(sample_replacement.__file__))
    readers = []
    for folder, _, files in os.walk(package):
        for name in files:
            path = osp.join(folder, name)
            if not name.endswith('.py') or path == osp.abspath(
                    sample_replacement.__file__):
                continue
            with open(path, encoding='utf-8') as f:
                source = f.read()
            if REPLACED_KEY in source or 'REPLACED_KEY' in source:
                readers.append(osp.relpath(path, package))
    assert readers == []
