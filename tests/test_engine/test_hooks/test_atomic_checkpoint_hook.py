"""AtomicCheckpointHook: an interrupted save leaves the previous checkpoint
complete and named by last_checkpoint; outdated and superseded best
checkpoints go only after the new one is written; a non-finite metric
never makes a best checkpoint."""
import math
import os

import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.fileio import LocalBackend

from p2r_mm.utils import safe_checkpoint_loading
from p2r_mm.utils.atomic_files import (checkpoint_problem,
                                       latest_complete_checkpoint)
from .test_non_finite_guard_hook import make_runner


@pytest.fixture(autouse=True)
def checkpoints_as_the_tools_handle_them():
    """Saves and the resume inside p2r_mm's checkpoint context, as
    tools/train.py runs the Runner."""
    with safe_checkpoint_loading():
        yield


def interrupt_save(monkeypatch, when):
    """Ctrl-C in the middle of the first write whose path ``when`` accepts
    (MMEngine's writer, which the atomic backend also uses underneath)."""
    original = LocalBackend.put
    state = dict(done=False)

    def put(self, obj, filepath):
        if state['done'] or not when(str(filepath)):
            return original(self, obj, filepath)
        state['done'] = True
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
            raise KeyboardInterrupt

    monkeypatch.setattr(LocalBackend, 'put', put)
    return state


def assert_every_checkpoint_loads(folder):
    names = sorted(os.listdir(folder))
    for name in names:
        if name.endswith('.pth'):
            assert checkpoint_problem(str(folder / name)) is None, name
    assert not [n for n in names if n.startswith('.')], names
    return names


def pointer(folder):
    return (folder / 'last_checkpoint').read_text()


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path,
                                                        monkeypatch):
    state = interrupt_save(monkeypatch, lambda p: 'epoch_2.pth' in p)
    with pytest.raises(KeyboardInterrupt):
        make_runner(tmp_path, [], max_epochs=3).train()
    assert state['done']
    names = assert_every_checkpoint_loads(tmp_path)
    assert [n for n in names if n.endswith('.pth')] == ['epoch_1.pth']
    assert pointer(tmp_path) == str(tmp_path / 'epoch_1.pth')

    monkeypatch.undo()
    resumed = make_runner(tmp_path, [], max_epochs=3)
    resumed._resume = True
    resumed._load_from = latest_complete_checkpoint(str(tmp_path))
    resumed.train()
    assert_every_checkpoint_loads(tmp_path)
    saved = torch.load(tmp_path / 'epoch_3.pth', weights_only=False)
    assert saved['meta']['epoch'] == 3 and saved['meta']['iter'] == 12


def test_with_one_kept_checkpoint_the_old_one_goes_after_the_new(
        tmp_path, monkeypatch):
    # MMEngine's hook removes epoch_1.pth first: interrupted, nothing left.
    runner = make_runner(tmp_path, [], max_epochs=3)
    hook = next(h for h in runner.hooks
                if type(h).__name__ == 'AtomicCheckpointHook')
    hook.max_keep_ckpts = 1
    interrupt_save(monkeypatch, lambda p: 'epoch_2.pth' in p)
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    names = assert_every_checkpoint_loads(tmp_path)
    assert [n for n in names if n.endswith('.pth')] == ['epoch_1.pth']
    assert pointer(tmp_path) == str(tmp_path / 'epoch_1.pth')


def test_outdated_checkpoints_are_still_removed(tmp_path):
    runner = make_runner(tmp_path, [], max_epochs=4)
    hook = next(h for h in runner.hooks
                if type(h).__name__ == 'AtomicCheckpointHook')
    hook.max_keep_ckpts = 2
    runner.train()
    names = assert_every_checkpoint_loads(tmp_path)
    assert [n for n in names if n.endswith('.pth')] == [
        'epoch_3.pth', 'epoch_4.pth']
    assert pointer(tmp_path) == str(tmp_path / 'epoch_4.pth')


def test_leftover_temporaries_are_removed_at_start(tmp_path):
    left = tmp_path / '.epoch_5.pth.k2j4h1.partial'
    left.write_bytes(b'half a checkpoint')
    make_runner(tmp_path, [], max_epochs=1).train()
    assert not left.exists()
    assert (tmp_path / 'epoch_1.pth').is_file()


class EpochScore(BaseMetric):
    """Validation score: the epoch number (a new best every epoch), or a
    fixed value."""

    def __init__(self, runner_ref, value=None):
        super().__init__()
        self.runner_ref, self.value = runner_ref, value

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        if self.value is not None:
            return dict(score=self.value)
        return dict(score=float(self.runner_ref[0].epoch))


def scored_runner(tmp_path, value=None, max_epochs=2):
    ref = []
    runner = make_runner(tmp_path, [], max_epochs=max_epochs,
                         metric=EpochScore(ref, value))
    ref.append(runner)
    return runner


@pytest.mark.parametrize('value', [math.inf, math.nan])
def test_a_non_finite_metric_never_makes_a_best_checkpoint(tmp_path, value):
    scored_runner(tmp_path, value).train()
    assert not list(tmp_path.glob('best_*'))
    assert (tmp_path / 'epoch_2.pth').is_file()


def test_a_finite_metric_does(tmp_path):
    scored_runner(tmp_path, 0.5).train()
    assert [p.name for p in tmp_path.glob('best_*')] == [
        'best_score_epoch_1.pth']


def test_the_previous_best_goes_only_after_the_new_one_is_written(
        tmp_path, monkeypatch):
    runner = scored_runner(tmp_path, max_epochs=3)
    interrupt_save(monkeypatch, lambda p: 'best_score_epoch_2' in p)
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    names = assert_every_checkpoint_loads(tmp_path)
    assert 'best_score_epoch_1.pth' in names
    monkeypatch.undo()
    scored_runner(tmp_path / 'clean', max_epochs=3).train()
    assert [p.name for p in (tmp_path / 'clean').glob('best_*')] == [
        'best_score_epoch_3.pth']
