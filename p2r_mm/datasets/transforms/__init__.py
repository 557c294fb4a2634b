from .formatting import PackCrowdInputs
from .geometric import (PadToMultiple, PointRandomFlip, RandomScaleCrop,
                        ResizeLongSide)
from .loading import LoadCrowdAnnotations, LoadCrowdImage

__all__ = [
    'LoadCrowdAnnotations', 'LoadCrowdImage', 'PackCrowdInputs',
    'PadToMultiple', 'PointRandomFlip', 'RandomScaleCrop', 'ResizeLongSide'
]
