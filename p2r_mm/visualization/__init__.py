from .crowd_visualizer import CrowdVisualizer

__all__ = ['CrowdVisualizer']
