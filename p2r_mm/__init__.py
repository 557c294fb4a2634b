"""p2r_mm: semi-supervised point-based crowd counting with the P2R loss."""
from .version import __version__, version_info

# Nothing else is imported here and nothing outside p2r_mm is changed: the
# registries import the rest on demand, and checkpoint safety is scoped to
# p2r_mm's own runs (p2r_mm.utils.safe_checkpoint_loading).

__all__ = ['__version__', 'version_info']
