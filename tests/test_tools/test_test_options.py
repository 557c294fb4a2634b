"""tools/test.py's MMDetection-style options (--tta, --out .json/.pkl,
--show/--wait-time, --format-only), tools/slurm_test.sh and
tools/train.py --auto-scale-lr, as subprocesses on tiny generated data.

The "pattern" checkpoint (tests/test_apis/tiny_counter.py) predicts logit
+10 at cells with even row and column and -10 elsewhere, whatever the
image, so every count is known: ``pattern_count(h, w)`` heads. The +10
cell is the top-left one of each decoder cell (2 x 2 output cells); flip
test-time augmentation mirrors decoder cells as blocks, so the mirrored
map lands on the same cells and the counts stay (a cell-by-cell mirror
would move every even column onto an odd one: (10 - 10) / 2 = 0, none).
"""
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest

from ..test_apis.tiny_counter import (REPO, pattern_count, write_checkpoint,
                                      write_config)
from ..test_datasets.fake_crowd_data import (make_nwpu_crowd,
                                             make_shanghaitech)
from .test_train_test_tools import TINY_CONFIG

DATA = """
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset=dict(data_root='{root}/'))
"""
NWPU = """
_base_ = ['{repo}/configs/supervised/nwpu_full.py']
model = dict(
    backbone=dict(base_channels=4, init_cfg=None),
    neck=dict(in_channels=(32, 32), out_channels=16),
    head=dict(in_channels=16, feat_channels=16))
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset=dict(data_root='{root}/'))
"""


def run(*args, ok=True, env=None, drop=()):
    full_env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    full_env['PYTHONPATH'] = os.pathsep.join(
        [REPO] + [p for p in [os.environ.get('PYTHONPATH')] if p])
    for key in drop:
        full_env.pop(key, None)
    out = subprocess.run([*map(str, args)], cwd=REPO, env=full_env,
                         capture_output=True, text=True, timeout=600)
    assert (out.returncode == 0) == ok, out.stdout + out.stderr[-4000:]
    return out


def run_test_tool(*args, **kwargs):
    return run(sys.executable, 'tools/test.py', *args, **kwargs)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('test_options')
    images = make_shanghaitech(str(tmp / 'sha'), n_train=1, n_test=2)
    config = write_config(tmp / 'tiny.py')
    ckpt = write_checkpoint(config, tmp / 'pattern.pth', True)
    with open(config, 'a') as f:
        f.write(DATA.format(root=tmp / 'sha'))
    return tmp, config, ckpt, images['test']


def test_tta_averages_the_mirrored_logits(tiny):
    tmp, config, ckpt, images = tiny
    expected = {p: pattern_count(v['height'], v['width'])
                for p, v in images.items()}
    plain, tta = tmp / 'plain.json', tmp / 'tta.json'
    run_test_tool(config, ckpt, '--work-dir', tmp / 'w', '--out', plain)
    run_test_tool(config, ckpt, '--work-dir', tmp / 'w', '--out', tta,
                  '--tta')
    counts = {r['img_path']: r['pred_count']
              for r in json.loads(plain.read_text())}
    assert counts == expected and min(counts.values()) > 0
    assert {r['img_path']: r['pred_count']
            for r in json.loads(tta.read_text())} == expected


def test_tta_changes_the_logits_of_an_image_dependent_model(tiny):
    # The pattern model sees no image, so its mirrored map is its own map;
    # a randomly initialised one does, and --tta must average two
    # different maps (--tta as a no-op would leave the logits unchanged).
    tmp, config, _, images = tiny
    ckpt = write_checkpoint(config, tmp / 'random.pth', False)
    logits = {}
    for name, extra in (('plain', ()), ('tta', ('--tta', ))):
        out = tmp / f'random_{name}.pkl'
        run_test_tool(config, ckpt, '--work-dir', tmp / 'w', '--out', out,
                      *extra)
        with open(out, 'rb') as f:
            logits[name] = [s['pred_logits'] for s in pickle.load(f)]
    for plain, tta in zip(logits['plain'], logits['tta']):
        assert plain.shape == tta.shape
        assert (plain - tta).abs().max() > 1e-4


def test_out_pkl_and_show_in_a_window(tiny):
    tmp, config, ckpt, images = tiny
    windows, pkl = tmp / 'windows.log', tmp / 'preds.pkl'
    run_test_tool(config, ckpt, '--work-dir', tmp / 'w', '--out', pkl,
                  '--show', '--wait-time', '0.25',
                  env=dict(DISPLAY=':99', FAKE_WINDOW_LOG=str(windows),
                           MPLBACKEND='module://tests.test_tools.'
                           'fake_window_backend'))
    with open(pkl, 'rb') as f:
        samples = pickle.load(f)  # MMEngine's DumpResults: sample dicts
    assert [s['img_path'] for s in samples] == list(images)
    for sample, info in zip(samples, images.values()):
        h, w = info['height'], info['width']
        assert sample['pred_count'] == pattern_count(h, w)
        assert sample['pred_points'].shape == (pattern_count(h, w), 2)
        assert tuple(sample['pred_logits'].shape) == (1, -(-h // 4),
                                                      -(-w // 4))
    # One window per image, each waiting --wait-time seconds.
    assert windows.read_text().split('\n').count('wait 0.25') == 2


def test_show_without_a_window_says_so(tiny):
    tmp, config, ckpt, _ = tiny
    failed = run_test_tool(config, ckpt, '--show', ok=False,
                     drop=('DISPLAY', 'WAYLAND_DISPLAY'))
    assert '--show needs a window, but there is no display' in failed.stderr
    assert '--show-dir' in failed.stderr
    failed = run_test_tool(config, ckpt, '--show', ok=False,
                     env=dict(DISPLAY=':99', MPLBACKEND='Agg'))
    assert "backend 'agg' draws no window" in failed.stderr
    failed = run_test_tool(config, ckpt, '--out', 'preds.csv', ok=False)
    assert '--out must end in .json, .pkl, .pickle' in failed.stderr


def test_format_only_writes_the_nwpu_submission(tmp_path):
    splits = make_nwpu_crowd(str(tmp_path / 'nwpu'), n_train=1, n_val=1,
                             n_test=3)
    # The files follow test.txt's order, which need not be numeric.
    order = [1, 2, 0]
    test_list = tmp_path / 'nwpu' / 'test.txt'
    lines = test_list.read_text().splitlines(keepends=True)
    test_list.write_text(''.join(lines[k] for k in order))
    config = tmp_path / 'nwpu_tiny.py'
    config.write_text(NWPU.format(repo=REPO, root=tmp_path / 'nwpu'))
    ckpt = write_checkpoint(str(config), tmp_path / 'pattern.pth', True)
    prefix = tmp_path / 'submit' / 'p2r'
    log = run_test_tool(config, ckpt, '--work-dir', tmp_path / 'w',
                  '--format-only', prefix).stdout
    assert 'expects the 1500 test images (ids 3610-5109); these files ' \
        'hold 3 (ids 3-5)' in log
    test = list(splits['test'].items())
    ids = [int(osp.basename(test[k][0])[:4]) for k in order]
    assert ids == [4, 5, 3]
    counts = [pattern_count(test[k][1]['height'], test[k][1]['width'])
              for k in order]
    counting = (tmp_path / 'submit' / 'p2r_counting.txt').read_text()
    assert counting.splitlines() == [f'{i} {c:.4f}'
                                     for i, c in zip(ids, counts)]
    lines = (tmp_path / 'submit' /
             'p2r_localization.txt').read_text().splitlines()
    for line, i, c, k in zip(lines, ids, counts, order):
        values = [int(v) for v in line.split()]  # integers only
        assert values[:2] == [i, c] and len(values) == 2 + 2 * c
        xy = np.array(values[2:]).reshape(-1, 2)
        width, height = test[k][1]['width'], test[k][1]['height']
        assert (xy >= 0).all() and (xy[:, 0] < width).all() and \
            (xy[:, 1] < height).all()  # on the image
    # Not an NWPU-Crowd config: refused, naming the dataset.
    sha = write_config(tmp_path / 'sha.py')
    failed = run_test_tool(sha, ckpt, '--format-only', ok=False)
    assert "--format-only writes NWPU-Crowd's submission files" in \
        failed.stderr and 'ShanghaiTechDataset' in failed.stderr


def test_slurm_test_sh_hands_srun_the_test_command(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n')
    srun.chmod(0o755)
    log = tmp_path / 'srun.log'
    run('bash', 'tools/slurm_test.sh', 'gpu', 'p2r_test', 'a/cfg.py',
        'b/ckpt.pth', '--tta', '--out', 'x.pkl',
        env=dict(GPUS='4', GPUS_PER_NODE='4', SRUN_LOG=str(log),
                 PATH=f'{bin_dir}:{os.environ["PATH"]}'))
    args = log.read_text().split('\n')
    assert args[:2] == ['-p', 'gpu'] and '--job-name=p2r_test' in args
    assert '--ntasks=4' in args and '--gres=gpu:4' in args
    start = args.index('python')
    assert args[start:start + 2] == ['python', '-u']
    assert args[start + 2].endswith('tools/test.py')
    assert args[start + 3:start + 9] == [
        'a/cfg.py', 'b/ckpt.pth', '--launcher=slurm', '--tta', '--out',
        'x.pkl']


def test_auto_scale_lr_scales_from_the_configs_base_batch(tmp_path):
    root = tmp_path / 'part_A'
    make_shanghaitech(str(root), n_train=4, n_test=1)
    config = tmp_path / 'tiny_sha.py'
    config.write_text(TINY_CONFIG.format(repo=REPO, root=root))
    work = tmp_path / 'work'
    log = run(sys.executable, 'tools/train.py', config, '--work-dir', work,
              '--auto-scale-lr', '--cfg-options', 'train_cfg.max_epochs=1')
    text = log.stdout + log.stderr
    # sha_full's base batch is the paper's 16; this run has 1 x 2.
    assert 'batch size of 16 and the current batch size is 2' in text
    assert 'Scaling the original LR by 0.125' in text
    scalars = next(work.glob('*/vis_data/scalars.json'))
    lrs = [json.loads(line)['lr'] for line in
           scalars.read_text().splitlines() if '"lr"' in line]
    # The logged lr is the first parameter group's: the backbone's, at
    # 0.2 x 5e-5 (recipe), scaled by 2 / 16.
    assert lrs and all(abs(lr - 5e-5 * 0.2 * 0.125) < 1e-12 for lr in lrs)
