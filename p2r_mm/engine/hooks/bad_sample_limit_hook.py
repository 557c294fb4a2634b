"""Count the training samples that had to be replaced; stop when too many."""
from collections import Counter
from typing import List

from mmengine.hooks import Hook

from p2r_mm.datasets.load_problems import first_few
from p2r_mm.datasets.sample_replacement import (SampleFailure,
                                                replaced_in_batch)
from p2r_mm.registry import HOOKS
from ..run_stopped import RunStoppedError


class TooManyBadSamplesError(RunStoppedError):
    """Too many training samples of one epoch could not be loaded."""


@HOOKS.register_module()
class BadSampleLimitHook(Hook):
    """Warn about replaced training samples; stop the run above a limit.

    A crowd dataset in training replaces a sample whose image is missing,
    unreadable or damaged with another one and records the failure on the
    replacement; this hook reads the records of every batch in the main
    process (dataloader workers cannot report counts; the protocol is
    :mod:`p2r_mm.datasets.sample_replacement`), warns with the running
    count, and stops the run with :class:`TooManyBadSamplesError`, listing
    the files, when
    in one epoch (one pass over the train dataloader) more than
    ``max_fraction`` of the epoch's samples had to be replaced, unless all
    of them come from a single file: one bad file never stops a run, even
    in a small labelled set drawn many times per epoch.

    Args:
        max_fraction (float): the largest tolerated fraction (0, 1] of an
            epoch's samples (``len(train_dataloader) * batch_size``) that
            failed. Defaults to 0.05.
    """

    priority = 'HIGH'

    def __init__(self, max_fraction: float = 0.05) -> None:
        if not 0 < max_fraction <= 1:
            raise ValueError('BadSampleLimitHook: max_fraction must be in '
                             f'(0, 1], got {max_fraction!r}')
        self.max_fraction = float(max_fraction)
        self._window = None
        self._failures: List[SampleFailure] = []

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        loader = runner.train_dataloader
        per_epoch = max(len(loader), 1)
        window = runner.iter // per_epoch
        if window != self._window:
            self._window, self._failures = window, []
        failures = replaced_in_batch(data_batch)
        if not failures:
            return
        self._failures += failures
        batch_size = getattr(loader, 'batch_size', None) or 1
        samples = per_epoch * batch_size
        limit = self.max_fraction * samples
        files = Counter(f.img_path for f in self._failures)
        shown = first_few([str(f) for f in failures])
        count = (f'{len(self._failures)} replaced in this epoch of '
                 f'{samples} samples, from {len(files)} files; the run stops '
                 f'above {self.max_fraction:.0%} from more than one file')
        if len(self._failures) > limit and len(files) > 1:
            reasons = {}
            for f in self._failures:
                reasons.setdefault(f.img_path, f.reason)
            listed = first_few([f'{path} ({n}x: {reasons[path]})'
                                for path, n in files.most_common()], 10)
            message = (
                f'Epoch {runner.epoch + 1}, iteration {runner.iter + 1}: '
                f'{len(self._failures)} of this epoch\'s {samples} training '
                f'samples could not be loaded (more than '
                f'{self.max_fraction:.0%}); training stopped. Bad files: '
                f'{listed}. Fix or replace these files and resume with '
                '--resume.')
            runner.logger.error(message)
            raise TooManyBadSamplesError(message)
        runner.logger.warning(
            f'Iteration {runner.iter + 1}: {len(failures)} training samples '
            f'could not be loaded and were replaced by others: {shown} '
            f'({count})')
