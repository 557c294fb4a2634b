from .crowd_visualizer import CrowdVisualizer
from .psam import PSAMResult, compute_psam, top_k_cells
from .psam_spread import (effective_area, mass_within, model_radius_range,
                          p2r_radii, predicted_points, psam_spread)

__all__ = [
    'CrowdVisualizer', 'PSAMResult', 'compute_psam', 'effective_area',
    'mass_within', 'model_radius_range', 'p2r_radii', 'predicted_points',
    'psam_spread', 'top_k_cells'
]
