from .p2p_loss import P2PLoss
from .p2r_loss import P2RLoss
from .point_loss_base import BasePointLoss

__all__ = ['BasePointLoss', 'P2PLoss', 'P2RLoss']
