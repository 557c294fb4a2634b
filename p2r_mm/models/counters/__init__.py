from .point_counter import PointCounter
from .tiling import tile_spans

__all__ = ['PointCounter', 'tile_spans']
