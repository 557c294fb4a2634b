from .crowd_visualizer import CrowdVisualizer
from .psam import (PSAMResult, compute_psam, image_only_pipeline,
                   prepare_image, psam_overlay, resolve_counter, top_k_cells)
from .psam_spread import (effective_area, mass_within, model_radius_range,
                          p2r_radii, predicted_points, psam_spread)

__all__ = [
    'CrowdVisualizer', 'PSAMResult', 'compute_psam',
    'effective_area', 'image_only_pipeline', 'mass_within',
    'model_radius_range', 'p2r_radii', 'predicted_points',
    'prepare_image', 'psam_overlay', 'psam_spread', 'resolve_counter',
    'top_k_cells'
]
