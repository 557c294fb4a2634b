import os
import subprocess
import sys
import time

import pytest
import torch
from mmengine.fileio import LocalBackend, get_file_backend

from p2r_mm.utils.atomic_files import (AtomicLocalBackend, atomic_write,
                                       checkpoint_problem, is_temporary_file,
                                       latest_complete_checkpoint,
                                       remove_temporary_files)
from ..test_tools.test_train_test_tools import REPO


def interrupted_put(monkeypatch, after_bytes=10):
    """Make MMEngine's local writer stop (Ctrl-C) after ``after_bytes``."""

    def put(self, obj, filepath):
        with open(filepath, 'wb') as f:
            f.write(obj[:after_bytes])
            raise KeyboardInterrupt

    monkeypatch.setattr(LocalBackend, 'put', put)


def test_atomic_write_replaces_the_whole_file(tmp_path):
    path = tmp_path / 'sub' / 'a.txt'
    atomic_write(path, 'old')
    atomic_write(path, b'new contents')
    assert path.read_bytes() == b'new contents'
    assert os.listdir(path.parent) == ['a.txt']


def test_interrupted_write_leaves_the_old_file_and_no_litter(
        tmp_path, monkeypatch):
    path = tmp_path / 'epoch_1.pth'
    atomic_write(path, b'complete old checkpoint')
    interrupted_put(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, b'x' * 100)
    assert path.read_bytes() == b'complete old checkpoint'
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_plain_local_backend_is_not_atomic(tmp_path, monkeypatch):
    # Why the atomic backend exists: MMEngine's writer leaves a prefix.
    path = tmp_path / 'epoch_1.pth'
    path.write_bytes(b'complete old checkpoint')
    interrupted_put(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        LocalBackend().put(b'x' * 100, str(path))
    assert path.read_bytes() == b'x' * 10


def test_registered_backend(tmp_path):
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    backend.put_text('epoch_3.pth', str(tmp_path / 'last_checkpoint'))
    backend.put(b'abc', str(tmp_path / 'b.bin'))
    assert (tmp_path / 'last_checkpoint').read_text() == 'epoch_3.pth'
    assert backend.get(str(tmp_path / 'b.bin')) == b'abc'


KILLED_WRITE = """
import os
from mmengine.fileio import LocalBackend
from p2r_mm.utils.atomic_files import atomic_write

def put(self, obj, filepath):
    with open(filepath, 'wb') as f:
        f.write(obj[:3])
        f.flush()
    os._exit(9)  # killed mid-write: no exception handler runs

LocalBackend.put = put
atomic_write({path!r}, b'abcdef')
"""


def test_a_killed_write_leaves_a_recognised_temporary(tmp_path):
    path = tmp_path / 'epoch_2.pth'
    run = subprocess.run(
        [sys.executable, '-c', KILLED_WRITE.format(path=str(path))],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 9, run.stderr[-2000:]
    (tmp_path / 'notes.partial').write_text('a user file')
    left = [n for n in os.listdir(tmp_path) if is_temporary_file(n)]
    assert len(left) == 1 and left[0].startswith('.epoch_2.pth.')
    assert not left[0].endswith('.pth')  # never mistaken for a checkpoint
    assert not path.exists()
    assert remove_temporary_files(str(tmp_path)) == [str(tmp_path / left[0])]
    assert sorted(os.listdir(tmp_path)) == ['notes.partial']


def save(path, epoch, mtime):
    torch.save(dict(meta=dict(epoch=epoch), state_dict={}), path)
    os.utime(path, (mtime, mtime))


def test_checkpoint_problem(tmp_path):
    good = tmp_path / 'good.pth'
    save(good, 1, time.time())
    assert checkpoint_problem(str(good)) is None
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(good.read_bytes()[:-100])
    assert 'not a complete checkpoint' in checkpoint_problem(str(cut))
    flipped = bytearray(good.read_bytes())
    flipped[100] ^= 0xFF  # inside the first member's data
    damaged = tmp_path / 'damaged.pth'
    damaged.write_bytes(bytes(flipped))
    assert checkpoint_problem(str(damaged)) is not None
    assert checkpoint_problem(str(tmp_path / 'nope.pth')) == 'no such file'


def test_latest_complete_checkpoint_skips_damaged_and_best(tmp_path):
    now = time.time()
    assert latest_complete_checkpoint(str(tmp_path)) is None
    save(tmp_path / 'epoch_1.pth', 1, now - 30)
    save(tmp_path / 'epoch_2.pth', 2, now - 20)
    save(tmp_path / 'best_mae_epoch_2.pth', 2, now)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert latest_complete_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_2.pth')
    # Killed while writing epoch_3 in place (no atomic save): skipped.
    (tmp_path / 'epoch_3.pth').write_bytes(
        (tmp_path / 'epoch_2.pth').read_bytes()[:200])
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert latest_complete_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_2.pth')
    # Saved, but killed before last_checkpoint was updated: used.
    save(tmp_path / 'epoch_4.pth', 4, now + 10)
    (tmp_path / 'last_checkpoint').write_text('')
    assert latest_complete_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_4.pth')
