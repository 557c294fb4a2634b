"""The ground floor of ``models``: stride-cell geometry, the nearest-point
search and region radii, pseudo-points from logits, cutout weights,
one-to-one point matching.
Imports nothing of ``models``."""
from .cell_geometry import (cell_center_coord, cell_centers, cell_points,
                            cells_to_points, image_cells, points_to_cells)
from .cutout_weights import cutout_cell_weights, fill_boxes
from .nearest_point import BACKENDS, nearest_point_within, region_radii
from .point_matching import count_matches, pseudo_label_quality
from .pseudo_points import pseudo_points_from_logits

__all__ = [
    'cell_center_coord', 'cell_centers', 'cell_points',
    'cells_to_points', 'count_matches', 'cutout_cell_weights', 'fill_boxes',
    'image_cells', 'nearest_point_within', 'points_to_cells',
    'pseudo_label_quality', 'pseudo_points_from_logits', 'region_radii'
]
