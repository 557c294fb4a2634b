from .p2p_loss import P2PLoss
from .p2r_loss import P2RLoss, lowest_cost_cells
from .point_loss_base import BasePointLoss, CellTargets

__all__ = ['BasePointLoss', 'CellTargets', 'P2PLoss', 'P2RLoss',
           'lowest_cost_cells']
