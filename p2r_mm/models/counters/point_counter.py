"""Point-based crowd counter: backbone -> neck -> point classification head."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor

from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from .test_time import check_test_cfg, predict_logits
from .tiling import tiled_logits


@MODELS.register_module()
class PointCounter(BaseModel):
    """Predicts one logit per stride-4 cell; count = cells with logit > 0.

    The counter only runs the network: the head turns its maps into losses
    (``loss_by_feat``), predictions (``predict_by_feat``) and
    pseudo-labels, whatever its number of channels.

    Args:
        backbone, neck, head (dict): configs of the three parts; the head is
            a :class:`PointClassificationHead` or a subclass (its ``loss``
            picks P2R/P2P).
        data_preprocessor (dict): defaults to ``CountingDataPreprocessor``.
        train_cfg (dict, optional): unused by the supervised counter; kept
            for MMEngine/MMDetection config compatibility.
        test_cfg (dict, optional): ``tile=dict(size=1024, overlap=256)``
            predicts large inputs tile by tile (sizes in pixels, multiples
            of 32) to bound memory (see :meth:`tiled_logits`);
            ``flip=True`` is horizontal-flip test-time augmentation: the
            maps of the input and of its mirror image (mirrored back) are
            merged by the head's ``merge_flipped`` (the core head averages
            the logits) before thresholding (see
            :func:`flip_averaged_logits`).

    Modes of ``forward``: 'loss' -> dict of losses, 'predict' -> list of
    :class:`CrowdDataSample` with ``pred_*`` fields (points in original
    image pixels), 'tensor' -> the head's (B, C, H/4, W/4) maps (C = 1 for
    the core head: the logits).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 data_preprocessor: Union[dict, None] = dict(
                     type='CountingDataPreprocessor'),
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        # Built here, in p2r_mm's registry, so the model also builds outside
        # a p2r_mm default scope (BaseModel would use MMEngine's root).
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        self.head = MODELS.build(head)
        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or {}
        check_test_cfg(self.test_cfg)

    @property
    def stride(self) -> int:
        return self.head.stride

    def extract_feat(self, inputs: Tensor) -> Tensor:
        return self.neck(self.backbone(inputs))

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[CrowdDataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs)
        raise RuntimeError(f'Invalid mode "{mode}": use loss, predict or '
                           'tensor')

    def _forward(self, inputs: Tensor, data_samples=None) -> Tensor:
        return self.head(self.extract_feat(inputs))

    def loss(self, inputs: Tensor,
             data_samples: Sequence[CrowdDataSample]) -> Dict[str, Tensor]:
        return self.head.loss(self.extract_feat(inputs), data_samples)

    def predict(self, inputs: Tensor,
                data_samples: Sequence[CrowdDataSample],
                rescale: bool = True) -> List[CrowdDataSample]:
        return self.head.predict_by_feat(self.predict_maps(inputs),
                                         data_samples, rescale)

    @torch.no_grad()
    def predict_maps(self, inputs: Tensor) -> Tensor:
        """(B, 3, H, W) preprocessed inputs -> the head's (B, C, H/s, W/s)
        maps as ``test_cfg`` says (tiles, flip merged by the head's
        ``merge_flipped``): what prediction thresholds."""
        return predict_logits(self._forward, inputs, self.test_cfg,
                              self.stride, self.head.sub_cells,
                              self.head.merge_flipped)

    @torch.no_grad()
    def tiled_logits(self, inputs: Tensor) -> Tensor:
        """The maps of a large input computed tile by tile (see
        :func:`tiled_logits`)."""
        return tiled_logits(self._forward, inputs, self.test_cfg['tile'],
                            self.stride)
