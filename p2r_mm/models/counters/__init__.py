from .point_counter import PointCounter
from .pseudo_labels import pseudo_points_from_logits
from .semi_point_counter import SemiPointCounter
from .tiling import tile_spans

__all__ = [
    'PointCounter', 'SemiPointCounter', 'pseudo_points_from_logits',
    'tile_spans'
]
