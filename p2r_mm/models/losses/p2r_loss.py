"""Point-to-Region loss (P2R, CVPR 2025, arXiv 2505.21943)."""
from p2r_mm.registry import MODELS, TASK_UTILS
from .point_loss_base import BasePointLoss


@MODELS.register_module()
class P2RLoss(BasePointLoss):
    """Point-to-Region loss: the weighted BCE of :class:`BasePointLoss`
    against the targets of a
    :class:`~p2r_mm.models.task_modules.RegionAssigner`.

    Per image, every cell belongs to its nearest point if that point is
    closer than ``max_radius`` (the point's *region*); in each region the
    cell of lowest cost ``cost_point * d / radius - cost_class * logit``
    (no gradient) is the positive; every other cell of the map is a
    negative. So every cell is supervised: this is what gives
    pseudo-labelled images their "no head here" signal. Memory is
    O(cells + points) (see the assigner).

    Args:
        min_radius, max_radius, cost_point, cost_class, nn_backend: the
            :class:`~p2r_mm.models.task_modules.RegionAssigner`'s (radii
            in pixels), available as ``self.assigner``.
        pos_weight, empty_weight, loss_weight: see :class:`BasePointLoss`.
    """

    def __init__(self,
                 min_radius: float = 8.0,
                 max_radius: float = 96.0,
                 cost_point: float = 8.0,
                 cost_class: float = 1.0,
                 pos_weight: float = 2.0,
                 empty_weight: float = 0.5,
                 loss_weight: float = 1.0,
                 nn_backend: str = 'auto') -> None:
        super().__init__(pos_weight, empty_weight, loss_weight)
        # The assignment's arguments stay the loss's, so configs written
        # as dict(type='P2RLoss', max_radius=...) keep their meaning.
        self.assigner = TASK_UTILS.build(
            dict(type='p2r_mm.RegionAssigner', min_radius=min_radius,
                 max_radius=max_radius, cost_point=cost_point,
                 cost_class=cost_class, nn_backend=nn_backend))
