"""A training run killed four times (SIGKILL as the OOM killer or a
pre-empting scheduler sends it, SIGINT as Ctrl-C): twice in the middle of
a checkpoint write (made slow by a test hook), twice at random moments,
and resumed with --resume each time: it finishes with the right epoch and
iteration count, and no checkpoint in the work dir ever fails to load."""
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

MAX_EPOCHS = 4
ITERS_PER_EPOCH = 3  # 6 training images, batches of 2

SLOW_SAVES = """
custom_imports = dict(imports=['tests.test_tools.slow_save_hook'],
                      allow_failed_imports=False)
custom_hooks = [dict(type='SlowSaveHook', marker='{marker}', seconds=0.3)]
train_cfg = dict(max_epochs={epochs}, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=2))
"""


def start(config, work):
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + ':' + env['PATH']
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    log = open(osp.join(osp.dirname(work), 'runs.log'), 'a')
    # A suite started in the background (``pytest &``) inherits an ignored
    # SIGINT, and Python leaves an ignored SIGINT ignored: give the run
    # the default action, as a terminal's process has.
    return subprocess.Popen(
        [sys.executable, 'tools/train.py', config, '--work-dir', work,
         '--resume'], cwd=REPO, env=env, stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_save(proc, marker, nth, timeout=120):
    """Wait until the run is in the middle of its ``nth`` checkpoint write
    (1-based; the hook holds ``marker`` while it is half written), or has
    ended; returns whether it is writing."""
    deadline, seen, writing = time.time() + timeout, 0, False
    while time.time() < deadline and proc.poll() is None:
        now = osp.exists(marker)
        if now and not writing:
            seen += 1
            if seen == nth:
                return True
        writing = now
        time.sleep(0.005)
    return False


def stop(proc, sig):
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait(timeout=60)


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

    # Each run writes, per epoch: epoch_N.pth, then (a new best) the best
    # checkpoint and epoch_N.pth again with the best recorded in it.
    plan = [
        ('SIGKILL in the 2nd write (the best checkpoint)', 2, None),
        ('SIGKILL at a random moment after the 1st write', 1, signal.SIGKILL),
        ('Ctrl-C in the 1st write', 1, None),
        ('SIGKILL at a random moment after start', 0, signal.SIGKILL),
    ]
    for k, (what, nth, random_kill) in enumerate(plan):
        started = time.time()
        proc = start(str(config), work)
        if random_kill is None:
            sig = signal.SIGINT if 'Ctrl-C' in what else signal.SIGKILL
            assert wait_for_save(proc, marker, nth), what
            stop(proc, sig)
        elif nth:
            assert wait_for_save(proc, marker, nth), what
            time.sleep(rng.uniform(0.5, 2.5))
            stop(proc, random_kill)
        else:
            # A random moment before the run's first checkpoint write, as
            # long as the previous run took to reach its own (a fixed
            # bound would let a fast machine finish the run first).
            time.sleep(rng.uniform(0.2, 0.9) * to_first_write)
            stop(proc, random_kill)
        if random_kill is None and nth == 1:
            to_first_write = time.time() - started
        assert proc.returncode != 0, what  # it was killed, not finished
        if osp.exists(marker):
            os.remove(marker)
        assert_every_checkpoint_loads(work)

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
    log = (tmp_path / 'runs.log').read_text()
    # Runs 2, 3 and 5 resumed (run 4 too if run 3 got past a save).
    assert log.count('resumed epoch: ') >= 3
    # The last epoch was trained at least once; more than once only when a
    # kill landed after its last iteration but before its checkpoint was
    # complete (on a fast machine a random kill can), and never more often
    # than there were runs.
    last_iter = log.count(f'Epoch(train) [{MAX_EPOCHS}][{ITERS_PER_EPOCH}/'
                          f'{ITERS_PER_EPOCH}]')
    assert 1 <= last_iter <= len(plan) + 1
