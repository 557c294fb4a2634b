from .crowd_visualizer import CrowdVisualizer
from .psam import (PSAMResult, cells_to_points, compute_psam,
                   image_only_pipeline, points_to_cells, prepare_image,
                   psam_overlay, resolve_counter, top_k_cells)
from .psam_spread import (effective_area, mass_within, model_radius_range,
                          p2r_radii, predicted_points, psam_spread)

__all__ = [
    'CrowdVisualizer', 'PSAMResult', 'cells_to_points', 'compute_psam',
    'effective_area', 'image_only_pipeline', 'mass_within',
    'model_radius_range', 'p2r_radii', 'points_to_cells', 'predicted_points',
    'prepare_image', 'psam_overlay', 'psam_spread', 'resolve_counter',
    'top_k_cells'
]
