"""Test-only hook (loaded with custom_imports): makes every checkpoint write
slow, so that a test can kill a run in the middle of one."""
import os
import time

from mmengine.fileio import LocalBackend
from mmengine.hooks import Hook

from p2r_mm.registry import HOOKS


@HOOKS.register_module(force=True)
class SlowSaveHook(Hook):
    """MMEngine's local writer (which writes checkpoints, directly or
    under a temporary name) writes half a ``.pth``, creates ``marker``,
    sleeps ``seconds``, writes the rest and removes ``marker``."""

    def __init__(self, marker: str, seconds: float = 0.5) -> None:
        self.marker = marker
        self.seconds = seconds

    def before_run(self, runner) -> None:
        original = LocalBackend.put
        marker, seconds = self.marker, self.seconds

        def slow_put(backend, obj, filepath):
            if '.pth' not in os.path.basename(str(filepath)):
                return original(backend, obj, filepath)
            with open(filepath, 'wb') as f:
                f.write(obj[:len(obj) // 2])
                f.flush()
                open(marker, 'w').close()
                time.sleep(seconds)
                f.write(obj[len(obj) // 2:])
            os.remove(marker)

        LocalBackend.put = slow_put
