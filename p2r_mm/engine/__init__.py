from .cpu_distributed import (destroy_distributed, finish_distributed,
                              prepare_cpu_distributed)
from .hooks import *  # noqa: F401,F403
from .run_stopped import RunStoppedError
from .runner_config import load_runner_config

__all__ = [
    'RunStoppedError', 'destroy_distributed', 'finish_distributed',
    'load_runner_config', 'prepare_cpu_distributed'
]
