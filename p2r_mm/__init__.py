"""p2r_mm: semi-supervised point-based crowd counting with the P2R loss."""
from .utils.safe_checkpoint import register_safe_checkpoint_loading
from .version import __version__, version_info

# Checkpoints written and read in any process that uses p2r_mm must go
# through the weights_only-safe path (see p2r_mm/utils/safe_checkpoint.py).
# Nothing else is imported here: the registries import the rest on demand.
register_safe_checkpoint_loading()

__all__ = ['__version__', 'version_info']
