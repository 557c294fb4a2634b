"""Checkpoints through p2r_mm's weights_only-safe loading, and MMEngine's
loading untouched outside it."""
import copy
import copyreg
import fractions
import os
import subprocess
import sys
import uuid

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from torch.utils.data import Dataset

from p2r_mm.utils import (SAFE_GLOBALS, UntrustedCheckpointError,
                          load_checkpoint_file, safe_checkpoint_loading,
                          trust_checkpoints)
from ..test_tools.test_train_test_tools import REPO


class TinyRegressor(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.norm = nn.BatchNorm1d(2)  # buffers in the state dict too

    def forward(self, inputs, targets, mode='tensor'):
        out = self.linear(self.norm(inputs)).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - targets)**2).mean())
        return out


class LineDataset(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        x = torch.tensor([i / 8.0, 1.0 - i / 8.0])
        return dict(inputs=x, targets=3 * x[0] - x[1])


class RecordResume(Hook):
    """Records what a resumed run starts from."""

    def __init__(self):
        self.optimizer_state = None
        self.epochs = []

    def before_train(self, runner):
        # A copy: the live state keeps changing as training goes on.
        self.optimizer_state = copy.deepcopy(runner.optim_wrapper.state_dict())
        self.scheduler_state = copy.deepcopy(
            runner.param_schedulers[0].state_dict())

    def before_train_epoch(self, runner):
        self.epochs.append(runner.epoch)


def make_runner(work_dir, max_epochs, resume=False, hooks=()):
    return Runner(
        model=TinyRegressor(),
        work_dir=str(work_dir),
        experiment_name=f'resume-{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=LineDataset(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1, 2],
                             by_epoch=True),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=list(hooks),
        resume=resume,
        randomness=dict(seed=0),
        default_scope='p2r_mm')


def assert_same_state(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same_state(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_state(x, y)
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    else:
        assert a == b


def test_resume_continues_at_epoch_3_with_same_optimiser_state(tmp_path):
    with safe_checkpoint_loading():  # as tools/train.py runs it
        make_runner(tmp_path, max_epochs=2).train()
    ckpt_path = tmp_path / 'epoch_2.pth'
    # Loads with plain weights_only=True plus p2r_mm's short allow-list.
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        saved = torch.load(ckpt_path, weights_only=True)
    assert saved['meta']['epoch'] == 2
    assert saved['optimizer']['state'], 'Adam moments were saved'
    loss_history = saved['message_hub']['log_scalars']['train/loss']
    assert len(loss_history.data[0]) == 4  # 2 epochs x 2 iterations

    record = RecordResume()
    resumed = make_runner(tmp_path, max_epochs=3, resume=True, hooks=[record])
    with safe_checkpoint_loading():
        resumed.train()
    assert record.epochs == [2]  # 0-based: the third epoch, and only it
    assert_same_state(record.optimizer_state, saved['optimizer'])
    assert_same_state(record.scheduler_state, saved['param_schedulers'][0])
    # The message hub came back as HistoryBuffers and kept growing.
    history = resumed.message_hub.get_scalar('train/loss')
    assert len(history.data[0]) == 6
    assert (tmp_path / 'epoch_3.pth').is_file()


class Exploit:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_malicious_checkpoint_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': Exploit(marker)}, path)
    # Through MMEngine's loading path, as Runner.resume/load_from use it.
    with pytest.raises(UntrustedCheckpointError) as err, \
            safe_checkpoint_loading():
        _load_checkpoint(str(path), map_location='cpu')
    assert str(path) in str(err.value)
    assert 'system' in str(err.value)
    assert '--trust-checkpoint' in str(err.value)
    assert not marker.exists()


def test_foreign_checkpoint_needs_explicit_trust(tmp_path):
    path = tmp_path / 'foreign.pth'
    torch.save({'state_dict': {}, 'meta': fractions.Fraction(1, 3)}, path)
    with pytest.raises(UntrustedCheckpointError, match='fractions.Fraction'):
        load_checkpoint_file(str(path))
    with trust_checkpoints():
        ckpt = load_checkpoint_file(str(path))
    assert ckpt['meta'] == fractions.Fraction(1, 3)
    # Trust does not outlive the context.
    with pytest.raises(UntrustedCheckpointError):
        load_checkpoint_file(str(path))


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        load_checkpoint_file(str(tmp_path / 'nothing.pth'))


def mmengine_local_loader():
    return CheckpointLoader._get_checkpoint_loader('/any/file.pth')


def test_the_safe_loading_ends_with_its_context_even_on_an_error():
    mmengine_loader = mmengine_local_loader()
    assert mmengine_loader is mmengine_checkpoint.load_from_local
    assert HistoryBuffer not in copyreg.dispatch_table
    with pytest.raises(KeyError):
        with safe_checkpoint_loading():
            assert mmengine_local_loader() is not mmengine_loader
            with safe_checkpoint_loading():  # nested: the outer stays
                pass
            assert mmengine_local_loader() is not mmengine_loader
            assert HistoryBuffer in copyreg.dispatch_table
            raise KeyError('a failure inside')
    assert mmengine_local_loader() is mmengine_loader
    assert HistoryBuffer not in copyreg.dispatch_table


# In a fresh process: importing every part of p2r_mm leaves MMEngine's
# local loader, and so another library's loading, as MMEngine made it.
UNTOUCHED = """
import copyreg, fractions, sys
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import checkpoint as mmengine_checkpoint
import p2r_mm, p2r_mm.apis, p2r_mm.datasets, p2r_mm.engine
import p2r_mm.evaluation, p2r_mm.models, p2r_mm.utils, p2r_mm.visualization
from p2r_mm.utils import UntrustedCheckpointError
loader = mmengine_checkpoint.CheckpointLoader._get_checkpoint_loader(
    sys.argv[1])
assert loader is mmengine_checkpoint.load_from_local, loader
assert HistoryBuffer not in copyreg.dispatch_table
torch.save({'state_dict': {'w': torch.arange(3.0)}}, sys.argv[1])
loaded = mmengine_checkpoint.CheckpointLoader.load_checkpoint(
    sys.argv[1], map_location='cpu')
assert torch.equal(loaded['state_dict']['w'], torch.arange(3.0))
torch.save({'meta': fractions.Fraction(1, 3)}, sys.argv[2])
try:
    mmengine_checkpoint.CheckpointLoader.load_checkpoint(sys.argv[2])
except UntrustedCheckpointError as e:
    raise AssertionError(f'p2r_mm refused a file it never loads: {e}')
except Exception:
    pass  # torch's own verdict (weights_only refuses the Fraction)
print('untouched')
"""


def test_importing_p2r_mm_leaves_mmengine_loading_untouched(tmp_path):
    run = subprocess.run(
        [sys.executable, '-c', UNTOUCHED, str(tmp_path / 'plain.pth'),
         str(tmp_path / 'fraction.pth')], cwd=REPO, capture_output=True,
        text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split()[-1] == 'untouched'
