from .atomic_checkpoint_hook import AtomicCheckpointHook
from .bad_sample_limit_hook import BadSampleLimitHook, TooManyBadSamplesError
from .crowd_visualization_hook import CrowdVisualizationHook
from .mean_teacher_hook import MeanTeacherHook
from .non_finite_guard_hook import (NonFiniteGuardHook, NonFiniteLossError,
                                    NonFiniteParametersError)
from .progress_bar_hook import ProgressBarHook
from .psam_visualization_hook import PSAMVisualizationHook
from .unsup_weight_hook import UnsupWeightHook

__all__ = [
    'AtomicCheckpointHook', 'BadSampleLimitHook', 'CrowdVisualizationHook',
    'MeanTeacherHook', 'NonFiniteGuardHook', 'NonFiniteLossError',
    'NonFiniteParametersError', 'PSAMVisualizationHook', 'ProgressBarHook',
    'TooManyBadSamplesError', 'UnsupWeightHook'
]
