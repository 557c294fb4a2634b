from .adaptive_p2r_loss import AdaptiveP2RLoss
from .adaptive_region_assigner import AdaptiveRegionAssigner
from .knn_spacing import KNN_BACKENDS, mean_knn_distance

__all__ = ['AdaptiveP2RLoss', 'AdaptiveRegionAssigner', 'KNN_BACKENDS',
           'mean_knn_distance']
