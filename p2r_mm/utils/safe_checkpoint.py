"""Checkpoints that load with ``torch.load(weights_only=True)``.

torch >= 2.6 loads with ``weights_only=True`` by default, and MMEngine 0.10.x
cannot resume its own checkpoints under it: the message hub stores
:class:`mmengine.logging.HistoryBuffer` objects, which pickle their
statistics methods as bound methods rebuilt through ``builtins.getattr``.
Allow-listing ``getattr`` would let any checkpoint call any attribute of any
allow-listed object, i.e. run code, so it is not an option.

Instead, inside :func:`safe_checkpoint_loading` (what the tools wrap
around ``Runner.train`` / ``Runner.test`` and ``init_counter`` around its
load):

1. HistoryBuffer has a plain-data pickle form through :mod:`copyreg`:
   ``HistoryBuffer(log_history: list, count_history: list, max_length: int)``
   (its statistics methods are class-level and come back with the class);
2. MMEngine's loader of local files (used by resume, ``load_from`` and
   ``Pretrained`` init) is :func:`load_checkpoint_file`, which loads with
   ``weights_only=True`` and the short allow-list :data:`SAFE_GLOBALS`.

Both are restored on exit: ``import p2r_mm`` changes nothing, and code of
other libraries in the same process loads and saves as MMEngine does.

A checkpoint that needs anything else is refused with
:class:`UntrustedCheckpointError`, naming the file and the globals it needs,
unless the user trusts it explicitly: environment variable
``P2R_MM_TRUST_CHECKPOINT=1`` (what the tools' ``--trust-checkpoint`` flag
sets, and what distributed workers inherit) or :func:`trust_checkpoints`.
"""
import copyreg
import os
import os.path as osp
import pickle
import re
from contextlib import contextmanager
from typing import Iterator, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV = 'P2R_MM_TRUST_CHECKPOINT'

# numpy >= 2 keeps these in numpy._core, numpy 1.x in numpy.core.
_np_multiarray = getattr(np, '_core', np.core).multiarray

# Callables a checkpoint may invoke while being unpickled, beyond torch's
# own (tensors, containers, primitive types). Each only builds plain data:
# MMEngine's hooks leave numpy scalars in the message hub (e.g. the ETA),
# and numpy arrays of numbers are data too.
SAFE_GLOBALS: List[object] = [
    HistoryBuffer,
    _np_multiarray.scalar,
    _np_multiarray._reconstruct,
    np.ndarray,
    np.dtype,
    # numpy >= 1.25 pickles a dtype through its class; object arrays stay
    # out (their items could be anything).
    *{type(np.dtype(t))
      for t in '?bhilqBHILQefdgFDGUS'},
]


class UntrustedCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs globals outside :data:`SAFE_GLOBALS`."""


def _history_buffer_as_plain_data(buffer: HistoryBuffer):
    return (HistoryBuffer, (buffer._log_history.tolist(),
                            buffer._count_history.tolist(), buffer.max_length))


def checkpoints_trusted() -> bool:
    """Whether the user has opted in to full (unsafe) unpickling."""
    return os.environ.get(TRUST_ENV, '0').lower() in ('1', 'true', 'yes')


@contextmanager
def trust_checkpoints(trusted: bool = True) -> Iterator[None]:
    """Temporarily trust (or distrust) every checkpoint loaded inside."""
    old = os.environ.get(TRUST_ENV)
    os.environ[TRUST_ENV] = '1' if trusted else '0'
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(TRUST_ENV, None)
        else:
            os.environ[TRUST_ENV] = old


def load_checkpoint_file(filename: str, map_location=None):
    """``torch.load`` with ``weights_only=True`` and :data:`SAFE_GLOBALS`.

    Raises:
        FileNotFoundError: no such file.
        UntrustedCheckpointError: the file needs more than the allow-list
            and the user has not trusted checkpoints.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    if checkpoints_trusted():
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise UntrustedCheckpointError(
            f'Refusing to load checkpoint {filename}: it contains objects '
            'outside p2r_mm\'s allow-list '
            f'({_what_is_unsafe(filename, err)}), and '
            'unpickling them could run arbitrary code. Load it only if you '
            'trust where it comes from: pass --trust-checkpoint to the '
            f'tools or set {TRUST_ENV}=1. Checkpoints saved inside '
            'p2r_mm.utils.safe_checkpoint_loading() (as p2r_mm\'s training '
            'tools save them) never need this.') from err


def _what_is_unsafe(filename: str, err: Exception) -> str:
    """The globals the file needs beyond the allow-list, or torch's reason."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # not a zip checkpoint: torch cannot list them
        names = []
    allowed = {f'{g.__module__}.{g.__qualname__}' for g in SAFE_GLOBALS}
    names = [n for n in names if n not in allowed]
    if names:
        return 'it needs ' + ', '.join(names)
    reason = re.search(r'WeightsUnpickler error:\s*(.+?)\s*(?:Check the|$)',
                       str(err), re.S)
    return ' '.join((reason.group(1) if reason else str(err)).split())


@contextmanager
def safe_checkpoint_loading() -> Iterator[None]:
    """Save and load checkpoints the weights_only-safe way while inside:
    HistoryBuffer pickles as plain data and MMEngine's ``CheckpointLoader``
    loads local files (plain paths, no URL scheme) with
    :func:`load_checkpoint_file`. On exit, even by an exception, both are
    what they were before (so contexts nest).

    MMEngine keeps its loaders in one class-level table, so while inside
    the change holds for the whole process, every thread included: wrap
    p2r_mm's own runs and loads in it, not a whole application.
    """
    previous_reduce = copyreg.dispatch_table.get(HistoryBuffer)
    previous_loader = CheckpointLoader._schemes.get('')
    copyreg.pickle(HistoryBuffer, _history_buffer_as_plain_data)
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)
    try:
        yield
    finally:
        if previous_loader is None:
            CheckpointLoader._schemes.pop('', None)
        else:
            CheckpointLoader.register_scheme(
                prefixes='', loader=previous_loader, force=True)
        if previous_reduce is None:
            copyreg.dispatch_table.pop(HistoryBuffer, None)
        else:
            copyreg.dispatch_table[HistoryBuffer] = previous_reduce


def _load_from_local(filename, map_location):
    # MMEngine's loader signature; its class name prefix 'load_from_' is
    # stripped for its log line ("Loads checkpoint by local backend").
    return load_checkpoint_file(filename, map_location)


_load_from_local.__name__ = 'load_from_local'
