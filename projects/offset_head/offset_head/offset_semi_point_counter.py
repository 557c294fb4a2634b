"""Mean-teacher training of an offset counter: pseudo-points placed by the
teacher's offsets, offsets learned on the confident ones."""
from typing import Dict, List, Tuple

import torch
from torch import Tensor

from p2r_mm.models.counters import (SemiPointCounter,
                                    pseudo_points_from_logits)
from p2r_mm.models.utils import cutout_cell_weights
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from .assignment_record import recorded_assignment
from .offset_geometry import offsets_at_cells
from .offset_point_head import OffsetPointHead


@MODELS.register_module()
class OffsetSemiPointCounter(SemiPointCounter):
    """:class:`SemiPointCounter` whose counters are
    :class:`OffsetPointCounter` s.

    The unlabelled branch, on the same crops (the strong view differs from
    the weak one only photometrically and by its cutout, so their cells
    coincide):

    - pseudo-points: the teacher's cells and confidences exactly as the
      core computes them (``pseudo_points_from_logits`` of its logit
      channel), each placed at its cell centre plus the teacher's own
      offset there;
    - ``unsup`` (point loss): the core unlabelled loss of the student's
      logit channel against those pseudo-points (confidences as point
      weights, cutout cells weighted 0);
    - ``unsup_offset``: the head's offset loss on the positives of that
      same assignment, toward their pseudo-points, weighted by the
      pseudo-points' confidence (0 for unconfident ones: no offset
      target) and the cutout weights.

    Logged and summed by MMEngine: ``loss_semi`` (the core's
    ``(sup + w * unsup) / (1 + w)`` of the point losses) and
    ``loss_offset`` (the same mix of ``sup_offset`` and ``unsup_offset``).
    Also logged: ``sup``, ``unsup``, ``sup_offset``, ``unsup_offset``,
    ``unsup_weight`` and the core's pseudo-label statistics, which (with
    ``pseudo_quality``) measure the offset-placed pseudo-points.

    Args: those of :class:`SemiPointCounter`; ``counter`` must be an
    ``OffsetPointCounter`` config.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(self.student.head, OffsetPointHead):
            raise TypeError(
                "OffsetSemiPointCounter needs counter=dict(type="
                "'OffsetPointCounter', head=dict(type='OffsetPointHead', "
                f"...)), got a {type(self.student.head).__name__}")

    def loss(self, multi_batch_inputs: Dict[str, Tensor],
             multi_batch_data_samples: Dict[str, List[CrowdDataSample]]
             ) -> Dict[str, Tensor]:
        sup = self.student.loss(multi_batch_inputs['sup'],
                                multi_batch_data_samples['sup'])
        weight = float(self.unsup_weight)
        zero = sup['loss_point'].new_zeros(())
        unsup = dict(loss_point=zero, loss_offset=zero)
        stats = dict(pseudo_points=zero, pseudo_confident=zero)
        if self.unsup_branch_runs(multi_batch_inputs):
            unsup, stats = self.unsup_losses(multi_batch_inputs,
                                             multi_batch_data_samples)

        def mix(key: str) -> Tensor:
            return (sup[key] + weight * unsup[key]) / (1 + weight)

        return dict(
            loss_semi=mix('loss_point'),
            loss_offset=mix('loss_offset'),
            sup=sup['loss_point'].detach(),
            unsup=unsup['loss_point'].detach(),
            sup_offset=sup['loss_offset'].detach(),
            unsup_offset=unsup['loss_offset'].detach(),
            unsup_weight=zero.new_tensor(weight),
            **stats)

    def unsup_loss(self, inputs: Dict[str, Tensor],
                   samples: Dict[str, List[CrowdDataSample]]):
        """The core contract (one loss, the statistics): here the sum of
        the unlabelled point and offset losses."""
        losses, stats = self.unsup_losses(inputs, samples)
        return losses['loss_point'] + losses['loss_offset'], stats

    def pseudo_points(self, teacher_maps: Tensor,
                      weak: List[CrowdDataSample]
                      ) -> Tuple[List[Tensor], List[Tensor]]:
        """Per weak view, pseudo-points (N, 2) (x, y) input pixels (cell
        centre + the teacher's offset) and confidences (N,) in {0, 1}.

        Args:
            teacher_maps (Tensor): (B, 3, h, w) teacher logit and offsets.
        """
        stride = self.student.stride
        centres, confidences = pseudo_points_from_logits(
            teacher_maps[:, :1], stride,
            [s.metainfo['img_shape'][:2] for s in weak],
            self.semi_train_cfg['pseudo_logit_thr'],
            self.semi_train_cfg['confidence_thr'])
        points = [
            c + offsets_at_cells(maps[1:], c, stride).to(c)
            for c, maps in zip(centres, teacher_maps)
        ]
        return points, confidences

    def unsup_losses(self, inputs: Dict[str, Tensor],
                     samples: Dict[str, List[CrowdDataSample]]
                     ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """``dict(loss_point, loss_offset)`` of the strong view against
        the teacher's pseudo-points, and the logged statistics (0-dim
        tensors, as :meth:`SemiPointCounter.unsup_loss` logs them)."""
        stride = self.student.stride
        head = self.student.head
        weak = samples['unsup_teacher']
        with torch.no_grad():
            points, confidences = self.pseudo_points(
                self.teacher._forward(inputs['unsup_teacher']), weak)
        strong, boxes = self.strong_input(inputs, samples)
        maps = self.student._forward(strong)
        _, _, h, w = maps.shape
        pixel_weights = cutout_cell_weights(boxes, h, w, stride, maps.device)
        with recorded_assignment(self.unsup_loss_fn) as record:
            loss_point = self.unsup_loss_fn(maps[:, :1], points, stride,
                                            confidences, pixel_weights)
        loss_offset = head.offset_loss(
            maps[:, 1:], record.targets, torch.cat(points), stride,
            head.max_offset, point_weights=torch.cat(confidences),
            pixel_weights=pixel_weights)
        # The core's statistics, of the offset-placed pseudo-points.
        stats = self.pseudo_statistics(points, confidences, weak)
        return (dict(loss_point=loss_point, loss_offset=loss_offset),
                {k: maps.new_tensor(v) for k, v in stats.items()})
