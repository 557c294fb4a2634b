"""tools/misc/verify_dataset.py on generated data: a clean tree passes with
its statistics; planted problems (cut images, a broken annotation) are
found, named by file, and make the exit status non-zero."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from ..test_datasets.fake_crowd_data import cut_file, make_custom
from .test_train_test_tools import REPO

CONFIG = """
_base_ = ['{repo}/configs/supervised/custom_5pct.py']
data_root = '{root}/'
# every image not held out is read (labelled), so every one is checked
train_dataloader = dict(dataset=dict(data_root=data_root, labeled_ratio=None,
                                     subset='all'))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
"""


def verify(config, *args):
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + ':' + env['PATH']
    out = subprocess.run(
        [sys.executable, 'tools/misc/verify_dataset.py', config, *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return out.returncode, out.stdout + out.stderr


@pytest.fixture
def custom(tmp_path):
    root = tmp_path / 'my_crowd'
    images = make_custom(str(root), n=20)
    config = tmp_path / 'custom.py'
    config.write_text(CONFIG.format(repo=REPO, root=root))
    return root, images, str(config)


def table_row(log, split):
    return next(line.split() for line in log.splitlines()
                if line.startswith(split + ' '))


def test_a_clean_tree_passes_with_its_statistics(custom):
    root, images, config = custom
    status, log = verify(config)
    assert status == 0, log
    assert 'No problems found.' in log
    assert '20/20' in log  # the progress bar
    assert 'same dataset as val' in log  # test = val in this config
    rows = {s: table_row(log, s) for s in ('train', 'val')}
    assert rows['train'][1:3] == ['18', '18']  # 2 of the 20 held out
    assert rows['val'][1:3] == ['2', '2']
    # The statistics are those of the files written.
    train = [v for p, v in images.items() if p in log_paths(config)]
    assert len(train) == 18
    counts = np.array([len(v['points']) for v in train])
    widths = np.array([v['width'] for v in train])
    heights = np.array([v['height'] for v in train])

    def spread(v):
        return ' / '.join(f'{x:g}' for x in (v.min(), np.median(v), v.max()))

    assert ' '.join(rows['train']).startswith(
        f'train 18 18 {counts.sum()} {spread(counts)} {spread(widths)} '
        f'{spread(heights)} 0')


def log_paths(config):
    """The training images of the config (built here, as the tool does)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from p2r_mm.registry import DATASETS
    init_default_scope('p2r_mm')
    cfg = Config.fromfile(config)
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    return {ds.get_data_info(i)['img_path'] for i in range(len(ds))}


def test_planted_problems_are_named_by_file(custom):
    root, images, config = custom
    cut_file(root / 'images' / 'a3.jpg')
    cut_file(root / 'images' / 'a19.png', keep=0.7)
    status, log = verify(config, '--split', 'train', 'val')
    assert status == 1, log
    problems = log.split('Problems (')[1]
    assert problems.startswith('2):')
    for name in ('a3.jpg', 'a19.png'):
        line = next(p for p in problems.splitlines() if name in p)
        assert 'DamagedImageError' in line and 'cut short' in line
    rows = [table_row(log, s) for s in ('train', 'val')]
    assert sum(int(r[-1]) for r in rows) == 2  # problems column


def test_a_broken_annotation_is_reported_for_its_split(custom):
    root, images, config = custom
    with open(root / 'annotations.json') as f:
        ann = json.load(f)
    ann['a5.jpg'] = [[1.0, float('nan')]]
    with open(root / 'annotations.json', 'w') as f:
        json.dump(ann, f)
    status, log = verify(config, '--split', 'train')
    assert status == 1
    assert '[train] the dataset cannot be built' in log
    assert 'annotations.json' in log and 'NaN' in log
    assert 'not built' in log
