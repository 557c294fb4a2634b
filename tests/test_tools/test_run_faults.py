"""Faults during a run, through tools/train.py and tools/test.py: a
diverging loss stops the run with one message and no non-finite
checkpoint; a training image that goes bad is replaced, too many stop the
run; a test image that goes bad is an error; a damaged checkpoint given to
--resume is refused by name."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from ..test_datasets.fake_crowd_data import cut_file
from .test_train_test_tools import REPO, TINY_CONFIG, run


def run_failing(*cmd):
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + ':' + env['PATH']
    out = subprocess.run(list(cmd), cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode != 0, out.stdout[-3000:]
    return out


def non_finite_checkpoints(folder):
    bad = []
    for name in os.listdir(folder):
        if name.endswith('.pth'):
            state = torch.load(osp.join(folder, name), map_location='cpu',
                               weights_only=False)['state_dict']
            if any(v.is_floating_point() and not torch.isfinite(v).all()
                   for v in state.values()):
                bad.append(name)
    return bad


def test_a_diverging_run_stops_with_one_message(tmp_path):
    # lr 1e5 makes the loss NaN after the first step. Shrunk to 2 labelled
    # images repeated 6 times, 64 px crops: 6 iterations, one epoch, saved
    # at its end (so without the guard, a NaN checkpoint would be left).
    data = str(tmp_path / 'synthetic')
    work = tmp_path / 'work'
    shrink = [
        f'train_dataloader.dataset.dataset.data_root={data}',
        'train_dataloader.dataset.dataset.num_images=40',
        'train_dataloader.dataset.dataset.image_size=96',
        'train_dataloader.dataset.times=6',
        'train_dataloader.dataset.dataset.pipeline.2.crop_size=(64,64)',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=2',
        f'val_dataloader.dataset.data_root={data}',
        'val_dataloader.dataset.num_images=4',
        'val_dataloader.dataset.image_size=96',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
    ]
    out = run_failing(sys.executable, 'tools/train.py',
                      'configs/supervised/synthetic_5pct.py', '--work-dir',
                      str(work), '--cfg-options',
                      'optim_wrapper.optimizer.lr=1e5', *shrink)
    assert out.returncode == 1
    assert 'Traceback' not in out.stderr
    message = out.stderr.strip().splitlines()[-1]
    assert message.startswith('NonFiniteLossError: Iteration ')
    assert '3 consecutive iterations' in message
    assert 'terms: loss' in message
    assert 'No checkpoint has been saved' in message
    log = out.stdout + out.stderr
    assert 'the optimiser step was skipped (1 in a row' in log
    assert not non_finite_checkpoints(work)


@pytest.fixture
def sha_tiny(tmp_path):
    from ..test_datasets.fake_crowd_data import make_shanghaitech
    root = tmp_path / 'part_A'
    make_shanghaitech(str(root), n_train=6, n_test=2)
    config = tmp_path / 'tiny_sha.py'
    config.write_text(TINY_CONFIG.format(repo=REPO, root=root))
    return root, str(config)


def test_a_bad_training_image_is_replaced_a_bad_test_image_is_an_error(
        tmp_path, sha_tiny):
    root, config = sha_tiny
    work = tmp_path / 'work'
    cut_file(root / 'train_data' / 'images' / 'IMG_3.jpg')
    log = run(sys.executable, 'tools/train.py', config, '--work-dir',
              str(work), '--cfg-options', 'train_cfg.max_epochs=1',
              'train_dataloader.num_workers=1')  # found in a worker
    assert 'training sample' in log and 'IMG_3.jpg replaced' in log
    assert 'could not be loaded and were replaced by others' in log
    assert (work / 'epoch_1.pth').is_file()

    cut_file(root / 'test_data' / 'images' / 'IMG_2.jpg')
    out = run_failing(sys.executable, 'tools/test.py', config,
                      str(work / 'epoch_1.pth'), '--work-dir', str(work))
    assert 'DamagedImageError' in out.stderr
    assert 'IMG_2.jpg' in out.stderr and 'cut short' in out.stderr


def test_too_many_bad_training_images_stop_the_run(tmp_path, sha_tiny):
    root, config = sha_tiny
    for k in (1, 2, 4):
        cut_file(root / 'train_data' / 'images' / f'IMG_{k}.jpg')
    out = run_failing(sys.executable, 'tools/train.py', config,
                      '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                      'train_cfg.max_epochs=1',
                      'train_dataloader.num_workers=1')
    assert 'Traceback' not in out.stderr
    message = out.stderr.strip().splitlines()[-1]
    assert message.startswith('TooManyBadSamplesError: Epoch 1, iteration')
    assert 'training stopped. Bad files:' in message
    assert 'IMG_' in message and 'cut short' in message


def test_resume_from_a_damaged_checkpoint_is_refused_by_name(
        tmp_path, sha_tiny):
    _, config = sha_tiny
    broken = tmp_path / 'epoch_7.pth'
    broken.write_bytes(b'PK\x03\x04 half a zip')
    out = run_failing(sys.executable, 'tools/train.py', config, '--resume',
                      str(broken), '--work-dir', str(tmp_path / 'work'))
    assert f'--resume {broken}: not a complete checkpoint' in out.stderr
