"""What every process that uses p2r_mm needs, importing nothing else of
p2r_mm (``import p2r_mm`` loads only this): the weights_only-safe
checkpoint loading."""
from .safe_checkpoint import (SAFE_GLOBALS, TRUST_ENV,
                              UntrustedCheckpointError, checkpoints_trusted,
                              load_checkpoint_file,
                              register_safe_checkpoint_loading,
                              trust_checkpoints)

__all__ = [
    'SAFE_GLOBALS', 'TRUST_ENV', 'UntrustedCheckpointError',
    'checkpoints_trusted', 'load_checkpoint_file',
    'register_safe_checkpoint_loading', 'trust_checkpoints'
]
