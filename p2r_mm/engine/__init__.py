from .cpu_distributed import prepare_cpu_distributed
from .hooks import *  # noqa: F401,F403
from .runner_config import load_runner_config
from .safe_checkpoint import (SAFE_GLOBALS, TRUST_ENV,
                              UntrustedCheckpointError, checkpoints_trusted,
                              load_checkpoint_file,
                              register_safe_checkpoint_loading,
                              trust_checkpoints)

__all__ = [
    'SAFE_GLOBALS', 'TRUST_ENV', 'UntrustedCheckpointError',
    'checkpoints_trusted', 'load_checkpoint_file', 'load_runner_config',
    'prepare_cpu_distributed',
    'register_safe_checkpoint_loading', 'trust_checkpoints'
]
