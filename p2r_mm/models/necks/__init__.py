from .top_down_fusion_neck import TopDownFusionNeck

__all__ = ['TopDownFusionNeck']
