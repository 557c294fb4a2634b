"""Files that a kill at any moment leaves either old or new, never partial.

MMEngine 0.10 writes a checkpoint straight to its final name
(``LocalBackend.put`` opens it with ``'wb'``) and then rewrites
``last_checkpoint`` the same way, so a run killed during a save (OOM
killer, cluster pre-emption, Ctrl-C) leaves a truncated ``epoch_N.pth``,
possibly named by ``last_checkpoint``, and ``--resume`` fails on it.

Here a file is written to a hidden temporary name in the same folder,
flushed to disk and renamed over the final name with :func:`os.replace`
(atomic on POSIX and Windows within one file system). The registered
file backend ``'atomic_local'`` does this for every write through
MMEngine's fileio (``backend_args=dict(backend='atomic_local')``).

:func:`latest_complete_checkpoint` is the other half: the checkpoint a
resumed run should start from, skipping files that are not complete.
Not imported by ``import p2r_mm``; the checkpoint hook and the tools import
it.
"""
import os
import os.path as osp
import re
import tempfile
import zipfile
from typing import List, Optional, Union

from mmengine.fileio import LocalBackend, register_backend

#: How temporary files are named: ``.<final name>.<random>.partial``.
TEMP_SUFFIX = '.partial'
_TEMP_NAME = re.compile(r'^\..+\.[^.]+' + re.escape(TEMP_SUFFIX) + '$')


def atomic_write(path: Union[str, os.PathLike], data: Union[bytes, str],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` (bytes, or str in ``encoding``) to ``path`` so that a
    reader (or a restart after a kill) sees either the old file or the
    whole new one. Creates the folder if needed."""
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode(encoding)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix=TEMP_SUFFIX, dir=folder)
    os.close(fd)
    try:
        _PLAIN.put(data, tmp)  # MMEngine's own writer, to the temporary
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt included: leave no litter
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    _fsync(folder)  # the rename lives in the folder's entry table


def _fsync(path: str) -> None:
    # Flush a file's data (or a folder's entries) to the disk, so that a
    # power loss after the rename cannot leave an empty file. Folders cannot
    # be opened on Windows, where the rename is durable anyway.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_PLAIN = LocalBackend()


@register_backend('atomic_local', force=True)
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend whose writes are atomic
    (:func:`atomic_write`); reading, listing and removing are unchanged."""

    def put(self, obj: bytes, filepath) -> None:
        atomic_write(filepath, obj)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write(filepath, obj, encoding)


def is_temporary_file(name: str) -> bool:
    """Whether a file name is one of :func:`atomic_write`'s temporaries."""
    return bool(_TEMP_NAME.match(osp.basename(name)))


def remove_temporary_files(folder: str) -> List[str]:
    """Delete the temporaries a killed writer left in ``folder``; returns
    their paths."""
    removed = []
    if osp.isdir(folder):
        for name in os.listdir(folder):
            if is_temporary_file(name):
                path = osp.join(folder, name)
                try:
                    os.remove(path)
                    removed.append(path)
                except OSError:
                    pass
    return removed


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` is not a complete checkpoint, or None if it is.

    ``torch.save`` writes a zip archive whose directory is at the end, and
    every member carries a CRC-32: a truncated file has no directory, a
    damaged one fails a CRC. Reads the whole file once.
    """
    if not osp.isfile(path):
        return 'no such file'
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        return f'not a complete checkpoint archive ({e})'
    if bad is not None:
        return f'damaged archive member {bad!r}'
    return None


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The newest complete training checkpoint of ``work_dir``, or None.

    Candidates are the file ``work_dir/last_checkpoint`` names and the
    ``*.pth`` files directly in ``work_dir``, except ``best_*`` ones (saved
    without optimiser and scheduler state, so not resumable). The newest by
    modification time that passes :func:`checkpoint_problem` wins, so a
    checkpoint saved just before a kill that left ``last_checkpoint`` one
    save behind is used, and a damaged or missing one is skipped.
    """
    candidates = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8', errors='replace') as f:
            named = f.read().strip()
        if named:
            candidates.append(named)
    if osp.isdir(work_dir):
        candidates += [
            osp.join(work_dir, name) for name in os.listdir(work_dir)
            if name.endswith('.pth') and not name.startswith('best_')
        ]
    seen, timed = set(), []
    for path in candidates:
        real = osp.realpath(path)
        if real in seen or not osp.isfile(path):
            continue
        seen.add(real)
        timed.append((os.stat(path).st_mtime_ns, path))
    for _, path in sorted(timed, reverse=True):
        if checkpoint_problem(path) is None:
            return path
    return None
