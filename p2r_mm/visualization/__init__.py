from .crowd_visualizer import CrowdVisualizer

__all__ = ['CrowdVisualizer']
from .psam import (PSAMResult, cells_to_points, compute_psam,  # noqa: E402
                   image_only_pipeline, points_to_cells, prepare_image,
                   psam_overlay, resolve_counter, top_k_cells)
from .psam_spread import (effective_area, mass_within, p2r_radii,  # noqa: E402
                          predicted_points, psam_spread)

__all__ += [
    'PSAMResult', 'cells_to_points', 'compute_psam', 'effective_area',
    'image_only_pipeline', 'mass_within', 'p2r_radii', 'points_to_cells',
    'predicted_points', 'prepare_image', 'psam_overlay', 'psam_spread',
    'resolve_counter', 'top_k_cells'
]
