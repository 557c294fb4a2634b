from .cutout import RandomCutout
from .formatting import PackCrowdInputs
from .geometric import PointRandomFlip, RandomScaleCrop, ResizeLongSide
from .loading import (LoadCrowdAnnotations, LoadCrowdImage,
                      LoadImageFromArray)
from .photometric import ColorJitter, RandomGaussianBlur
from .strong_image import AddStrongImage, UseStrongImage

__all__ = [
    'LoadCrowdAnnotations', 'LoadCrowdImage', 'LoadImageFromArray',
    'PackCrowdInputs',
    'PointRandomFlip', 'RandomScaleCrop', 'ResizeLongSide',
    'ColorJitter', 'RandomGaussianBlur', 'RandomCutout', 'AddStrongImage',
    'UseStrongImage'
]
