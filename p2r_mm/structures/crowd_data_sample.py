"""The data sample that travels from the pipeline through the model to the
metrics, in MMEngine's BaseDataElement form (like mmdet's DetDataSample)."""
from typing import Optional

import torch
from mmengine.structures import BaseDataElement
from torch import Tensor


class CrowdDataSample(BaseDataElement):
    """Annotations and predictions of one crowd image.

    Data fields (points are (x, y) float32 in pixels of the image the field
    belongs to: ``gt_*`` in the network input after the pipeline,
    ``pred_points`` in the *original* image):

    - ``gt_points`` (N, 2), ``gt_count`` (int): annotated heads.
    - ``gt_head_sizes`` (N, 2) (w, h), optional: head boxes, where the
      dataset has them (JHU-Crowd++, NWPU-Crowd), for localisation
      thresholds.
    - ``pred_points`` (M, 2), ``pred_count`` (int), ``pred_logits``
      (1, h, w): the prediction and its logit map.

    Metainfo: ``img_path``, ``img_id``, ``ori_shape``, ``img_shape``,
    ``scale_factor`` (w, h), ``flip``, and what the pipeline adds.
    """

    def _tensor_field(name):  # noqa: N805 - a property factory, not a method
        private = f'_{name}'

        def getter(self) -> Optional[Tensor]:
            return getattr(self, private, None)

        def setter(self, value: Tensor) -> None:
            self.set_field(value, private, dtype=Tensor)

        def deleter(self) -> None:
            delattr(self, private)

        return property(getter, setter, deleter)

    gt_points = _tensor_field('gt_points')
    gt_head_sizes = _tensor_field('gt_head_sizes')
    pred_points = _tensor_field('pred_points')
    pred_logits = _tensor_field('pred_logits')
    del _tensor_field

    @property
    def gt_count(self) -> Optional[int]:
        return getattr(self, '_gt_count', None)

    @gt_count.setter
    def gt_count(self, value: int) -> None:
        self.set_field(int(value), '_gt_count', dtype=int)

    @property
    def pred_count(self) -> Optional[int]:
        return getattr(self, '_pred_count', None)

    @pred_count.setter
    def pred_count(self, value: int) -> None:
        self.set_field(int(value), '_pred_count', dtype=int)


def empty_points() -> Tensor:
    """(0, 2) float32: an image without points."""
    return torch.zeros((0, 2), dtype=torch.float32)
