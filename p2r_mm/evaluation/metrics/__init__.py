# The point matching lives below models (both use it); named here too, as
# the metrics' maths.
from p2r_mm.models.utils import count_matches, pseudo_label_quality
from .counting_metric import CountingMetric
from .dump_counting_results import DumpCountingResults
from .localization_metric import LocalizationMetric
from .nwpu_submission import DumpNWPUSubmission

__all__ = [
    'CountingMetric', 'DumpCountingResults', 'DumpNWPUSubmission',
    'LocalizationMetric', 'count_matches', 'pseudo_label_quality'
]
