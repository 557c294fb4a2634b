"""The lowest floor, importing nothing else of p2r_mm: weights_only-safe
checkpoint loading, scoped to p2r_mm's own runs and loads. ``atomic_files``
(kill-safe writes) is imported by name where it is used."""
from .safe_checkpoint import (SAFE_GLOBALS, TRUST_ENV,
                              UntrustedCheckpointError, checkpoints_trusted,
                              load_checkpoint_file, safe_checkpoint_loading,
                              trust_checkpoints)

__all__ = [
    'SAFE_GLOBALS', 'TRUST_ENV', 'UntrustedCheckpointError',
    'checkpoints_trusted', 'load_checkpoint_file', 'safe_checkpoint_loading',
    'trust_checkpoints'
]
