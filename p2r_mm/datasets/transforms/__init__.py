from .cutout import RandomCutout
from .formatting import PackCrowdInputs
from .geometric import (PadToMultiple, PointRandomFlip, RandomScaleCrop,
                        ResizeLongSide)
from .loading import LoadCrowdAnnotations, LoadCrowdImage
from .photometric import ColorJitter, RandomGaussianBlur

__all__ = [
    'LoadCrowdAnnotations', 'LoadCrowdImage', 'PackCrowdInputs',
    'PadToMultiple', 'PointRandomFlip', 'RandomScaleCrop', 'ResizeLongSide',
    'ColorJitter', 'RandomGaussianBlur', 'RandomCutout'
]
