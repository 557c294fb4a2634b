from .counting_metric import CountingMetric
from .dump_counting_results import DumpCountingResults
from .localization_metric import LocalizationMetric, count_matches
from .nwpu_submission import DumpNWPUSubmission
from .pseudo_label_quality import pseudo_label_quality

__all__ = [
    'CountingMetric', 'DumpCountingResults', 'DumpNWPUSubmission',
    'LocalizationMetric', 'count_matches', 'pseudo_label_quality'
]
