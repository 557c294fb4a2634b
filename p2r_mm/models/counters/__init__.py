from .point_counter import PointCounter
from .semi_point_counter import SemiPointCounter
from .test_time import check_test_cfg, flip_averaged_logits, predict_logits
from .tiling import check_tile_cfg, tile_spans, tiled_logits

__all__ = [
    'PointCounter', 'SemiPointCounter',
    'tile_spans', 'check_tile_cfg', 'tiled_logits', 'check_test_cfg',
    'flip_averaged_logits', 'predict_logits'
]
