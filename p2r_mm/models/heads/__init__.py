from .point_classification_head import PointClassificationHead

__all__ = ['PointClassificationHead']
