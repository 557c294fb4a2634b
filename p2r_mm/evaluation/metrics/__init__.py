from .counting_metric import CountingMetric
from .localization_metric import LocalizationMetric, count_matches

__all__ = ['CountingMetric', 'LocalizationMetric', 'count_matches']
