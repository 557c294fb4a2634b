from .vgg16_bn import VGG16BN

__all__ = ['VGG16BN']
