"""docs/model_zoo.md against the configs: every paper config has a row,
and the row's total batch is what the config trains with (its loader's
batch and ``auto_scale_lr.base_batch_size``)."""
import os.path as osp
import re

import pytest
from mmengine.config import Config

from .test_all_configs import CONFIGS, REPO

ZOO = osp.join(REPO, 'docs', 'model_zoo.md')
PAPER_DATA = ('sha', 'shb', 'qnrf', 'jhu', 'nwpu')


def zoo_rows():
    """{config path: the row's cells after the config} of the per-config
    P2R table."""
    rows = {}
    with open(ZOO) as f:
        for line in f:
            m = re.match(r'\| `(configs/p2r/[\w.]+\.py)` \|(.*)\|$',
                         line.strip())
            if m:
                rows[m.group(1)] = [c.strip() for c in m.group(2).split('|')]
    return rows


def paper_configs():
    """The paper-recipe configs (not the CPU benchmarks' ``*_cpu_*``)."""
    return [c for c in CONFIGS if osp.dirname(c) == 'configs/p2r'
            and osp.basename(c).split('_')[0] in PAPER_DATA
            and '_cpu_' not in osp.basename(c)]


def test_every_paper_config_has_a_row():
    assert paper_configs(), 'no paper configs found'
    assert sorted(zoo_rows()) == paper_configs()


@pytest.mark.parametrize('config', paper_configs())
def test_total_batch_matches_the_config(config):
    cells = zoo_rows()[config]
    m = re.fullmatch(r'(\d+) × \((\d+) \+ (\d+)\)', cells[3])
    assert m, f'{config}: total batch cell {cells[3]!r}'
    gpus, labelled, unlabelled = (int(g) for g in m.groups())
    cfg = Config.fromfile(osp.join(REPO, config))
    assert gpus * (labelled + unlabelled) == \
        cfg.auto_scale_lr.base_batch_size, config
    assert labelled + unlabelled == cfg.train_dataloader.batch_size
    lab_share, unlab_share = cfg.train_dataloader.sampler.source_ratio
    assert labelled * unlab_share == unlabelled * lab_share, config
