from .crowd_visualization_hook import CrowdVisualizationHook

__all__ = ['CrowdVisualizationHook']
