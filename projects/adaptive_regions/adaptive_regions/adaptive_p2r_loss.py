"""P2R with region bounds that follow each point's local spacing."""
from typing import Optional, Sequence

from p2r_mm.models.losses import P2RLoss
from p2r_mm.registry import MODELS, TASK_UTILS


@MODELS.register_module()
class AdaptiveP2RLoss(P2RLoss):
    """Point-to-Region loss whose per-point radius bounds come from the
    scene instead of two constants: :class:`P2RLoss`'s weighted BCE
    against the targets of an :class:`.AdaptiveRegionAssigner` (see there
    for the bounds and why).

    With ``knn_k=0`` every point has the fixed bounds and the loss equals
    :class:`P2RLoss` exactly (same targets, same values).

    Args:
        knn_k, upper_scale, upper_range, lower_scale, lower_range,
            knn_backend, min_radius, max_radius, cost_point, cost_class,
            nn_backend: the :class:`.AdaptiveRegionAssigner`'s, available
            as ``self.assigner``.
        pos_weight, empty_weight, loss_weight: see
            :class:`~p2r_mm.models.losses.BasePointLoss`.
    """

    def __init__(self,
                 knn_k: int = 3,
                 upper_scale: Optional[float] = 1.0,
                 upper_range: Sequence[float] = (16.0, 96.0),
                 lower_scale: Optional[float] = 0.5,
                 lower_range: Sequence[float] = (4.0, 8.0),
                 knn_backend: str = 'auto',
                 min_radius: float = 8.0,
                 max_radius: float = 96.0,
                 cost_point: float = 8.0,
                 cost_class: float = 1.0,
                 nn_backend: str = 'auto',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.assigner = TASK_UTILS.build(
            dict(type='AdaptiveRegionAssigner', knn_k=knn_k,
                 upper_scale=upper_scale, upper_range=upper_range,
                 lower_scale=lower_scale, lower_range=lower_range,
                 knn_backend=knn_backend, min_radius=min_radius,
                 max_radius=max_radius, cost_point=cost_point,
                 cost_class=cost_class, nn_backend=nn_backend))
