"""Point-based crowd counter: backbone -> neck -> point classification head."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor

from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from .tiling import tile_spans


@MODELS.register_module()
class PointCounter(BaseModel):
    """Predicts one logit per stride-4 cell; count = cells with logit > 0.

    Args:
        backbone, neck, head (dict): configs of the three parts; the head is
            a :class:`PointClassificationHead` (its ``loss`` picks P2R/P2P).
        data_preprocessor (dict): defaults to ``CountingDataPreprocessor``.
        train_cfg (dict, optional): unused by the supervised counter; kept
            for MMEngine/MMDetection config compatibility.
        test_cfg (dict, optional): ``dict(tile=dict(size=1024,
            overlap=256))`` predicts large inputs tile by tile (sizes in
            pixels, multiples of 32) to bound memory; see
            :meth:`tiled_logits`.

    Modes of ``forward``: 'loss' -> dict of losses, 'predict' -> list of
    :class:`CrowdDataSample` with ``pred_*`` fields (points in original
    image pixels), 'tensor' -> (B, 1, H/4, W/4) logits.
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
        tile = self.test_cfg.get('tile')
        if tile is not None:
            for key in ('size', 'overlap'):
                if tile[key] % 32:
                    raise ValueError(f'test_cfg.tile.{key} must be a multiple'
                                     f' of 32, got {tile[key]}')
            if tile['overlap'] >= tile['size']:
                raise ValueError('test_cfg.tile.overlap must be smaller than '
                                 'test_cfg.tile.size')

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
        if self.test_cfg.get('tile') is not None:
            logits = self.tiled_logits(inputs)
        else:
            logits = self._forward(inputs)
        return self.head.predict_by_logits(logits, data_samples, rescale)

    @torch.no_grad()
    def tiled_logits(self, inputs: Tensor) -> Tensor:
        """Logits of a large input computed tile by tile.

        Tiles of ``size`` pixels overlap by ``overlap``; the overlap is
        split at its middle, so every cell takes its logit from exactly one
        tile (the one where it lies farther from the tile's border) and no
        head is counted twice. When half the overlap exceeds the network's
        receptive-field radius, the result equals whole-image prediction.
        """
        tile = self.test_cfg['tile']
        B, _, H, W = inputs.shape
        s = self.stride
        logits = inputs.new_zeros(B, 1, H // s, W // s)
        for y0, y1, cy0, cy1 in tile_spans(H, tile['size'], tile['overlap'],
                                           s):
            for x0, x1, cx0, cx1 in tile_spans(W, tile['size'],
                                               tile['overlap'], s):
                out = self._forward(inputs[:, :, y0:y1, x0:x1])
                logits[:, :, cy0 // s:cy1 // s, cx0 // s:cx1 // s] = \
                    out[:, :, (cy0 - y0) // s:(cy1 - y0) // s,
                        (cx0 - x0) // s:(cx1 - x0) // s]
        return logits
