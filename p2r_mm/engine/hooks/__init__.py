from .crowd_visualization_hook import CrowdVisualizationHook
from .progress_bar_hook import ProgressBarHook

__all__ = ['CrowdVisualizationHook', 'ProgressBarHook']
