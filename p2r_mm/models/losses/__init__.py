from .nearest_point import nearest_point_within
from .p2p_loss import P2PLoss
from .p2r_loss import P2RLoss
from .point_loss_base import BasePointLoss, CellTargets, cell_centers

__all__ = [
    'BasePointLoss', 'CellTargets', 'P2PLoss', 'P2RLoss', 'cell_centers',
    'nearest_point_within'
]
