"""A terminal progress bar over the test (or validation) set."""
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

from p2r_mm.registry import HOOKS


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """MMEngine's ``ProgressBar`` advanced once per batch, on rank 0.

    Args:
        on_val (bool): also during validation (off by default: training
            logs already report validation progress).
    """

    priority = 'VERY_LOW'

    def __init__(self, on_val: bool = False) -> None:
        self.on_val = on_val
        self._bar = None

    def _start(self, runner, loader) -> None:
        if is_main_process():
            self._bar = ProgressBar(len(loader))

    def _step(self) -> None:
        if self._bar is not None:
            self._bar.update()

    def _finish(self) -> None:
        if self._bar is not None:
            self._bar.file.write('\n')
            self._bar = None

    def before_test_epoch(self, runner) -> None:
        self._start(runner, runner.test_dataloader)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        self._step()

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._finish()

    def before_val_epoch(self, runner) -> None:
        if self.on_val:
            self._start(runner, runner.val_dataloader)

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None) -> None:
        self._step()

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._finish()
