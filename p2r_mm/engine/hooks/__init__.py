from .crowd_visualization_hook import CrowdVisualizationHook
from .progress_bar_hook import ProgressBarHook
from .unsup_weight_hook import UnsupWeightHook

__all__ = ['CrowdVisualizationHook', 'ProgressBarHook', 'UnsupWeightHook']
from .psam_visualization_hook import PSAMVisualizationHook  # noqa: E402

__all__ += ['PSAMVisualizationHook']
