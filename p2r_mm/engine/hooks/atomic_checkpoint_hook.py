"""MMEngine's CheckpointHook, with saves that survive a kill at any moment."""
import math
import os.path as osp
from contextlib import contextmanager

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from p2r_mm.registry import HOOKS
from p2r_mm.utils.atomic_files import atomic_write, remove_temporary_files


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose checkpoints a kill cannot leave half-written.

    MMEngine's hook (0.10) removes the outdated checkpoint first, then
    writes the new one in place, then rewrites ``last_checkpoint`` in
    place: a kill in between leaves a truncated ``.pth``, possibly named by
    ``last_checkpoint``, or (``max_keep_ckpts=1``) no complete checkpoint at
    all. Here, for a local ``out_dir``:

    1. the checkpoint is written under a temporary name and renamed
       (file backend ``'atomic_local'``, :mod:`p2r_mm.utils.atomic_files`);
    2. then ``last_checkpoint`` is replaced the same way;
    3. only then are outdated checkpoints (and a superseded best one)
       removed.

    So at every moment the newest complete checkpoint exists and
    ``last_checkpoint`` names a complete file. Temporaries left by a
    killed run are deleted when training starts. A best-metric value that
    is not finite (NaN, inf) never makes a checkpoint the best.

    Takes :class:`mmengine.hooks.CheckpointHook`'s arguments. With
    ``backend_args`` or ``file_client_args`` set (remote storage) the
    backend given is used as is.
    """

    def before_train(self, runner) -> None:
        out_dir = self.out_dir or runner.work_dir
        local = '://' not in str(out_dir)
        if local and self.backend_args is None and \
                self.file_client_args is None:
            self.backend_args = dict(backend='atomic_local')
        super().before_train(runner)
        if local and is_main_process():
            for path in remove_temporary_files(self.out_dir):
                runner.logger.info(
                    f'Removed {path}, left by an interrupted save')

    def _save_checkpoint_with_step(self, runner, step, meta):
        # MMEngine's bookkeeping (keep_ckpt_ids, last_ckpt, message hub),
        # with the outdated file removed after the new one is in place.
        outdated = None
        if self.max_keep_ckpts > 0 and not (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write(osp.join(runner.work_dir, 'last_checkpoint'),
                     str(self.last_ckpt))
        if outdated is not None:
            self._remove(
                self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(outdated)))

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if self.save_best and metrics:
            metrics = {
                k: None if _not_finite(v) else v
                for k, v in metrics.items()
            }
        with self._removals_deferred() as removals:
            super()._save_best_checkpoint(runner, metrics)
        if not is_main_process():
            return
        keep = {self.last_ckpt, getattr(self, 'best_ckpt_path', None),
                *getattr(self, 'best_ckpt_path_dict', {}).values()}
        for path in removals:
            if path not in keep:
                self._remove(path)

    @contextmanager
    def _removals_deferred(self):
        """Inside, ``self.file_backend.remove`` / ``rmtree`` only record the
        path: MMEngine removes the previous best before saving the new."""
        removals = []
        backend = self.file_backend
        self.file_backend = _DeferredRemoval(backend, removals)
        try:
            yield removals
        finally:
            self.file_backend = backend

    def _remove(self, path: str) -> None:
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # deepspeed saves folders
            self.file_backend.rmtree(path)


def _not_finite(value) -> bool:
    """Whether a metric value is a number that is NaN or infinite."""
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


class _DeferredRemoval:
    """A file backend whose removals are recorded, not done."""

    def __init__(self, backend, removals: list):
        self._backend = backend
        self._removals = removals

    def remove(self, path) -> None:
        self._removals.append(path)

    def rmtree(self, path) -> None:
        self._removals.append(path)

    def __getattr__(self, name):
        return getattr(self._backend, name)
