"""End to end through the command-line tools: train, test, resume, and a
2-process (CPU, gloo) training, on a tiny ShanghaiTech-format dataset."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from ..test_datasets.fake_crowd_data import make_custom, make_shanghaitech

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TINY_CONFIG = """
_base_ = ['{repo}/configs/supervised/sha_full.py']
data_root = '{root}/'
model = dict(
    backbone=dict(base_channels=4, init_cfg=None),
    neck=dict(in_channels=(32, 32), out_channels=16),
    head=dict(in_channels=16, feat_channels=16))
train_pipeline = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='RandomScaleCrop', scale_range=(0.7, 1.3), crop_size=(64, 64)),
    dict(type='PointRandomFlip', prob=0.5),
    dict(type='PackCrowdInputs'),
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2, val_interval=1)
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0)
"""


def run(*cmd, cwd=REPO, env=None):
    full_env = dict(os.environ)
    full_env['PATH'] = osp.dirname(sys.executable) + ':' + full_env['PATH']
    full_env.update(env or {})
    out = subprocess.run(list(cmd), cwd=cwd, env=full_env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    return out.stdout + out.stderr


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('tools')
    root = tmp / 'part_A'
    make_shanghaitech(str(root), n_train=6, n_test=2)
    config = tmp / 'tiny_sha.py'
    config.write_text(TINY_CONFIG.format(repo=REPO, root=root))
    return tmp, str(config)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_train_test_and_resume(tiny):
    tmp, config = tiny
    work = tmp / 'work'
    log = run(sys.executable, 'tools/train.py', config, '--work-dir',
              str(work))
    assert (work / 'epoch_2.pth').is_file()
    assert 'mae' in log and 'rmse' in log
    assert any(f.name.startswith('best_mae4_rmse') for f in work.iterdir())

    preds = tmp / 'preds.json'
    log = run(sys.executable, 'tools/test.py', config,
              str(work / 'epoch_2.pth'), '--work-dir', str(work), '--out',
              str(preds), '--show-dir', 'overlays')
    assert 'mae' in log and 'precision@8' in log
    assert '2/2, ' in log  # the progress bar reached the end
    results = json.loads(preds.read_text())
    assert len(results) == 2
    assert {'img_path', 'gt_count', 'pred_count', 'pred_points'} <= set(
        results[0])
    overlays = [p for p in work.rglob('overlays/*.jpg')]
    assert len(overlays) == 2

    log = run(sys.executable, 'tools/train.py', config, '--work-dir',
              str(work), '--resume', '--cfg-options',
              'train_cfg.max_epochs=3')
    assert 'resumed epoch: 2' in log
    assert 'Epoch(train) [3]' in log and 'Epoch(train) [1]' not in log
    ckpt = torch.load(work / 'epoch_3.pth', map_location='cpu',
                      weights_only=False)
    assert ckpt['meta']['epoch'] == 3


def test_tiled_test_time_prediction(tiny):
    tmp, config = tiny
    work = tmp / 'work_tiled'
    run(sys.executable, 'tools/train.py', config, '--work-dir', str(work),
        '--cfg-options', 'train_cfg.max_epochs=1')
    log = run(sys.executable, 'tools/test.py', config,
              str(work / 'epoch_1.pth'), '--work-dir', str(work), '--tile',
              '32', '0')
    assert 'mae' in log


def test_two_process_cpu_training(tiny):
    tmp, config = tiny
    work = tmp / 'work_dist'
    log = run('bash', 'tools/dist_train.sh', config, '2', '--work-dir',
              str(work), '--cfg-options', 'train_cfg.max_epochs=1',
              env=dict(PORT=str(free_port())))
    assert (work / 'epoch_1.pth').is_file()
    assert 'Distributed launcher: pytorch' in log or 'world_size' in log


def test_custom_data_config_trains_on_a_labelled_fraction(tmp_path):
    root = tmp_path / 'my_crowd'
    make_custom(str(root), n=10, mode='json')
    tiny = TINY_CONFIG.format(repo=REPO, root=root).replace(
        'configs/supervised/sha_full.py', 'configs/supervised/custom_5pct.py')
    config = tmp_path / 'tiny_custom.py'
    config.write_text(tiny)
    work = tmp_path / 'work'
    log = run(sys.executable, 'tools/train.py', str(config), '--work-dir',
              str(work), '--cfg-options', 'train_cfg.max_epochs=1',
              'train_dataloader.dataset.labeled_ratio=0.5',
              'train_dataloader.dataset.holdout=0.2',
              'val_dataloader.dataset.holdout=0.2')
    # 10 images: 2 held out for validation, half of the other 8 labelled.
    assert 'Epoch(train) [1][2/2]' in log  # 4 labelled crops, batch 2
    assert 'Epoch(val) [1][2/2]' in log
    assert (work / 'epoch_1.pth').is_file()
