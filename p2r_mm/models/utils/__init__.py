from .cutout_weights import cutout_cell_weights
from .image_cells import cell_points, image_cells

__all__ = ['cell_points', 'cutout_cell_weights', 'image_cells']
