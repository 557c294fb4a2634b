from .cutout_weights import cutout_cell_weights

__all__ = ['cutout_cell_weights']
