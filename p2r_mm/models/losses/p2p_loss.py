"""Point-to-point loss: the one-to-one matching baseline P2R is compared
against (P2PNet's matcher, ICCV 2021, arXiv 2107.12746)."""
from p2r_mm.registry import MODELS, TASK_UTILS
from .point_loss_base import BasePointLoss


@MODELS.register_module()
class P2PLoss(BasePointLoss):
    """The weighted BCE of :class:`BasePointLoss` against the targets of a
    :class:`~p2r_mm.models.task_modules.HungarianCellAssigner`: cells and
    points matched one-to-one under P2PNet's cost
    ``cost_point * d(c, k) - cost_class * sigmoid(logit(c))``; matched
    cells are positives, every other cell a negative.

    Args:
        cost_point, cost_class, ignore_unmatched: the
            :class:`~p2r_mm.models.task_modules.HungarianCellAssigner`'s,
            available as ``self.assigner``. ``ignore_unmatched=True``
            (unmatched cells weighted 0) is how P2P treats pseudo-labelled
            images in the P2R paper's analysis.
        pos_weight, empty_weight, loss_weight: see :class:`BasePointLoss`.
    """

    def __init__(self,
                 cost_point: float = 0.05,
                 cost_class: float = 1.0,
                 ignore_unmatched: bool = False,
                 pos_weight: float = 2.0,
                 empty_weight: float = 0.5,
                 loss_weight: float = 1.0) -> None:
        super().__init__(pos_weight, empty_weight, loss_weight)
        # The assignment's arguments stay the loss's, so existing configs
        # keep their meaning.
        self.assigner = TASK_UTILS.build(
            dict(type='p2r_mm.HungarianCellAssigner', cost_point=cost_point,
                 cost_class=cost_class, ignore_unmatched=ignore_unmatched))
