from .tiny_crowd_backbone import TinyCrowdBackbone

__all__ = ['TinyCrowdBackbone']
