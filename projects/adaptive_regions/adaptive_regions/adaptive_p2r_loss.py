"""P2R with region bounds that follow each point's local spacing."""
from p2r_mm.models.losses import BasePointLoss, P2RLoss
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
        pos_weight, empty_weight, loss_weight: see
            :class:`~p2r_mm.models.losses.BasePointLoss`.
        **assigner_args: the :class:`.AdaptiveRegionAssigner`'s (``knn_k``,
            ``upper_scale``, ``upper_range``, ``lower_scale``,
            ``lower_range``, ``knn_backend``, ``min_radius``,
            ``max_radius``, ``cost_point``, ``cost_class``,
            ``nn_backend``; its defaults), available as ``self.assigner``.
    """

    def __init__(self,
                 pos_weight: float = 2.0,
                 empty_weight: float = 0.5,
                 loss_weight: float = 1.0,
                 **assigner_args) -> None:
        # BasePointLoss's, not P2RLoss's __init__: that one would build a
        # RegionAssigner only for it to be replaced here. The assigner
        # keeps the one copy of its arguments' defaults.
        BasePointLoss.__init__(self, pos_weight, empty_weight, loss_weight)
        self.assigner = TASK_UTILS.build(
            dict(type='AdaptiveRegionAssigner', **assigner_args))
