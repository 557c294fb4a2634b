from .point_counter import PointCounter
from .pseudo_labels import pseudo_points_from_logits
from .tiling import tile_spans

__all__ = ['PointCounter', 'pseudo_points_from_logits', 'tile_spans']
