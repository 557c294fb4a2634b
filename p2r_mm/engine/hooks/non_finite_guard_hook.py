"""Do not train on, save or keep a model whose loss went NaN or inf."""
import functools
import os.path as osp
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict

from p2r_mm.registry import HOOKS
from p2r_mm.utils.atomic_files import latest_complete_checkpoint
from ..run_stopped import RunStoppedError


class NonFiniteLossError(RunStoppedError):
    """The loss was NaN or inf in too many consecutive iterations."""


class NonFiniteParametersError(RunStoppedError):
    """A checkpoint was about to be written from NaN / inf parameters."""


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Skip optimiser steps on a non-finite loss; stop a run that diverged.

    mmdet's ``CheckInvalidLossHook`` asserts after the step, when the NaN
    has already reached the parameters (and the optimiser's moments). This
    hook decides before: it wraps ``update_params`` of the runner's optim
    wrapper(s) so that a total loss that is NaN or inf is neither
    back-propagated nor stepped (in distributed training on every rank as
    soon as one rank's loss is non-finite, so the ranks stay in step). The
    total is the sum of the logged ``loss*`` terms, so "any logged loss
    term is non-finite" and "the total is non-finite" coincide; the terms
    that went bad are named in the warning, and left out of the logged
    averages.

    After ``max_consecutive`` skipped steps in a row the run stops with
    :class:`NonFiniteLossError` naming the iteration, the terms and the
    last complete checkpoint of the work dir. A checkpoint is never written
    from parameters or buffers that are not finite
    (:class:`NonFiniteParametersError`), so no non-finite model is kept or
    selected as best.

    Under AMP the loss scaler still handles overflowing *gradients*: they
    come from the scaled loss and are skipped by ``GradScaler.step``, which
    runs inside ``update_params`` as before; only the unscaled loss is
    checked here.

    Args:
        max_consecutive (int): skipped steps in a row that stop the run.
            Defaults to 3.
    """

    # Before RuntimeInfoHook (VERY_HIGH) records the iteration's values.
    priority = 'HIGHEST'

    def __init__(self, max_consecutive: int = 3) -> None:
        if int(max_consecutive) < 1:
            raise ValueError('NonFiniteGuardHook: max_consecutive must be >= '
                             f'1, got {max_consecutive!r}')
        self.max_consecutive = int(max_consecutive)
        self._skipped = False
        self._in_a_row = 0
        self._total = 0
        self._streak_terms: List[str] = []
        self._wrapped: list = []

    # ------------------------------------------------------------ steps
    def before_train(self, runner) -> None:
        self._in_a_row = 0
        self._streak_terms = []
        optim_wrapper = runner.optim_wrapper
        wrappers = (optim_wrapper.values() if isinstance(
            optim_wrapper, OptimWrapperDict) else [optim_wrapper])
        for wrapper in wrappers:
            if 'update_params' in vars(wrapper):  # already guarded
                continue
            wrapper.update_params = functools.partial(
                self._guarded_update, wrapper.update_params)
            self._wrapped.append(wrapper)

    def after_train(self, runner) -> None:
        for wrapper in self._wrapped:
            vars(wrapper).pop('update_params', None)
        self._wrapped = []

    def _guarded_update(self, update_params, loss: torch.Tensor, *args,
                        **kwargs) -> None:
        bad = (~torch.isfinite(loss.detach())).any().float().reshape(1)
        if get_world_size() > 1:
            all_reduce(bad, op='sum')
        if bad.item() > 0:
            self._skipped = True  # no backward, no step
            return
        update_params(loss, *args, **kwargs)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[Dict] = None) -> None:
        skipped, self._skipped = self._skipped, False
        if not skipped:
            self._in_a_row = 0
            self._streak_terms = []
            return
        self._in_a_row += 1
        self._total += 1
        bad = _non_finite_values(outputs or {})
        for name in bad:
            outputs.pop(name)  # keep them out of the logged averages
            if name not in self._streak_terms:
                self._streak_terms.append(name)
        terms = (', '.join(f'{k}={v}' for k, v in bad.items())
                 or 'on another rank')
        where = f'Iteration {runner.iter + 1} (epoch {runner.epoch + 1})'
        if self._in_a_row >= self.max_consecutive:
            message = (
                f'{where}: the loss was non-finite in {self._in_a_row} '
                f'consecutive iterations (terms: '
                f'{", ".join(self._streak_terms) or "on another rank"}; '
                f'last: {terms}); training stopped. None of these steps was '
                'applied, so the weights are those of iteration '
                f'{runner.iter + 1 - self._in_a_row}. '
                f'{_last_good_checkpoint(runner)} Lower the learning rate, '
                'check the data, or raise max_consecutive of '
                'NonFiniteGuardHook.')
            runner.logger.error(message)
            raise NonFiniteLossError(message)
        runner.logger.warning(
            f'{where}: non-finite loss ({terms}); the optimiser step was '
            f'skipped ({self._in_a_row} in a row, {self._total} in this '
            f'run; the run stops at {self.max_consecutive} in a row)')

    # ------------------------------------------------------------ saving
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad, total = [], 0
        for name, value in checkpoint.get('state_dict', {}).items():
            if torch.is_tensor(value) and value.is_floating_point():
                total += 1
                if not torch.isfinite(value).all():
                    bad.append(name)
        if bad:
            shown = ', '.join(bad[:5]) + (', ...' if len(bad) > 5 else '')
            message = (
                f'Iteration {runner.iter} (epoch {runner.epoch}): refusing '
                f'to save a checkpoint: {len(bad)} of {total} parameter / '
                f'buffer tensors of the model are not finite ({shown}); '
                'training stopped. '
                f'{_last_good_checkpoint(runner)}')
            runner.logger.error(message)
            raise NonFiniteParametersError(message)


def _non_finite_values(outputs: dict) -> Dict[str, float]:
    """The logged values that are NaN or inf, as floats."""
    bad = {}
    for name, value in outputs.items():
        try:
            tensor = torch.as_tensor(value).detach()
        except (TypeError, ValueError, RuntimeError):
            continue
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            bad[name] = float(tensor.float().mean())
    return bad


def _last_good_checkpoint(runner) -> str:
    path = latest_complete_checkpoint(runner.work_dir)
    if path is None:
        return ('No checkpoint has been saved in '
                f'{osp.abspath(runner.work_dir)} yet.')
    return (f'Last good checkpoint: {path} (resume from it with '
            '--resume).')
