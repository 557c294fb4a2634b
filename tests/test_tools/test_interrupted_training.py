"""A training run killed at random moments (SIGKILL as the OOM killer or a
pre-empting scheduler sends it, SIGINT as Ctrl-C), twice in the middle of
a checkpoint save, and resumed with --resume each time: it finishes with
the right epoch count, and no checkpoint in the work dir ever fails to
load."""
import os
import os.path as osp
import random
import signal
import subprocess
import sys
import time

import torch

from p2r_mm.utils.atomic_files import checkpoint_problem
from ..test_datasets.fake_crowd_data import make_shanghaitech
from .test_train_test_tools import REPO, TINY_CONFIG

MAX_EPOCHS = 5
ITERS_PER_EPOCH = 3  # 6 training images, batches of 2

SLOW_SAVES = """
custom_imports = dict(imports=['tests.test_tools.slow_save_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='SlowSaveHook', marker='{marker}', seconds=0.6)]
train_cfg = dict(max_epochs={epochs}, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=2))
"""


def start(config, work):
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + ':' + env['PATH']
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    log = open(osp.join(osp.dirname(work), 'runs.log'), 'a')
    return subprocess.Popen(
        [sys.executable, 'tools/train.py', config, '--work-dir', work,
         '--resume'], cwd=REPO, env=env, stdout=log,
        stderr=subprocess.STDOUT)


def kill_after(proc, seconds, sig):
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(sig)
    proc.wait(timeout=60)


def kill_during_save(proc, marker, sig, timeout=60):
    """Send ``sig`` while a checkpoint is half written; False if the run
    ended first."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if osp.exists(marker):
            proc.send_signal(sig)
            proc.wait(timeout=60)
            return True
        time.sleep(0.01)
    proc.wait(timeout=60)
    return False


def assert_every_checkpoint_loads(work):
    if not osp.isdir(work):
        return []
    names = sorted(os.listdir(work))
    for name in names:
        if name.endswith('.pth'):
            path = osp.join(work, name)
            assert checkpoint_problem(path) is None, name
            torch.load(path, map_location='cpu', weights_only=False)
    pointer = osp.join(work, 'last_checkpoint')
    if osp.exists(pointer):
        with open(pointer) as f:
            assert checkpoint_problem(f.read().strip()) is None
    return [n for n in names if n.endswith('.pth')]


def test_killed_and_resumed_runs_finish_with_complete_checkpoints(tmp_path):
    root = tmp_path / 'part_A'
    make_shanghaitech(str(root), n_train=6, n_test=2)
    marker = str(tmp_path / 'saving')
    config = tmp_path / 'tiny_sha_slow_saves.py'
    config.write_text(
        TINY_CONFIG.format(repo=REPO, root=root) +
        SLOW_SAVES.format(marker=marker, epochs=MAX_EPOCHS))
    work = str(tmp_path / 'work')
    rng = random.Random(12)

    during_save = 0
    for how in ('random', 'save-kill', 'random', 'save-ctrl-c'):
        proc = start(str(config), work)
        if how == 'random':
            kill_after(proc, rng.uniform(2, 12), signal.SIGKILL)
        else:
            sig = signal.SIGKILL if how == 'save-kill' else signal.SIGINT
            during_save += kill_during_save(proc, marker, sig)
        if osp.exists(marker):
            os.remove(marker)
        assert_every_checkpoint_loads(work)
    assert during_save == 2, 'both save-time kills hit a save'

    proc = start(str(config), work)
    assert proc.wait(timeout=300) == 0, (tmp_path / 'runs.log').read_text()[
        -3000:]
    names = assert_every_checkpoint_loads(work)
    assert f'epoch_{MAX_EPOCHS}.pth' in names
    final = torch.load(osp.join(work, f'epoch_{MAX_EPOCHS}.pth'),
                       map_location='cpu', weights_only=False)
    assert final['meta']['epoch'] == MAX_EPOCHS
    assert final['meta']['iter'] == MAX_EPOCHS * ITERS_PER_EPOCH
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip() == osp.join(work, f'epoch_{MAX_EPOCHS}.pth')
