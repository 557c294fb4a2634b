"""Per-cell "a head is centred here" classifier at stride 4."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample, input_to_original
from ..losses import BasePointLoss
from ..utils import cell_points, image_cells, pseudo_points_from_logits


@MODELS.register_module()
class PointClassificationHead(BaseModule):
    """Two 3x3 conv + ReLU, a 3x3 conv to ``2 * u * u`` channels and
    PixelShuffle(u): a two-channel map at ``feat_stride / u``; the logit of
    a cell is channel 1 minus channel 0.

    This is the P2R paper's decoder (``SimpleDecoder`` of the official code,
    ``models/utils.py``), initialised as there: PyTorch's default conv
    weights, every bias 0.

    The head owns its maps (MMDetection's dense-head shape), so counters
    and test-time paths work for any head, whatever its channels:
    :meth:`loss_by_feat` turns maps and points into losses (the point
    loss's assigner gives the cell targets), :meth:`predict_by_feat` into
    ``pred_*`` fields, :meth:`pseudo_points_by_feat` into a teacher's
    pseudo-points, and :meth:`merge_flipped` merges the two views of flip
    test-time augmentation. Channel 0 of the maps is the logit.

    Args:
        in_channels (int): channels of the input feature map.
        feat_channels (int): channels of the two hidden convs.
        upsample_factor (int): u.
        feat_stride (int): stride of the input feature map, pixels.
        loss (dict): the point loss, ``P2RLoss`` or ``P2PLoss``.
        logit_thr (float): a cell is a predicted head if its logit is
            above this (0 = probability 0.5).
        init_cfg (dict, optional): MMEngine initialisation; None keeps the
            initialisation described above.
    """

    #: Channels of the maps :meth:`forward` returns.
    num_channels = 1

    def __init__(self,
                 in_channels: int = 256,
                 feat_channels: int = 256,
                 upsample_factor: int = 2,
                 feat_stride: int = 8,
                 loss: dict = dict(type='P2RLoss'),
                 logit_thr: float = 0.0,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg)
        if feat_stride % upsample_factor:
            raise ValueError(f'feat_stride {feat_stride} is not divisible by '
                             f'upsample_factor {upsample_factor}')
        self.convs = nn.Sequential(
            nn.Conv2d(in_channels, feat_channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(feat_channels, feat_channels, 3, padding=1),
            nn.ReLU(inplace=True))
        self.cls = nn.Conv2d(feat_channels, 2 * upsample_factor**2, 3,
                             padding=1)
        for conv in (self.convs[0], self.convs[2], self.cls):
            nn.init.zeros_(conv.bias)
        self.shuffle = nn.PixelShuffle(upsample_factor)
        self.stride = feat_stride // upsample_factor
        #: Cells per row of one decoder cell (its PixelShuffle block): the
        #: block a mirror maps as a whole (see flip_averaged_logits).
        self.sub_cells = upsample_factor
        self.loss_fn = MODELS.build(loss)
        self.logit_thr = float(logit_thr)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, h', w') features -> (B, 1, h' * u, w' * u) logits."""
        two = self.shuffle(self.cls(self.convs(x)))
        return two[:, 1:2] - two[:, 0:1]

    def loss(self, x: Tensor,
             data_samples: Sequence[CrowdDataSample]) -> Dict[str, Tensor]:
        """The losses of features ``x`` against the samples'
        ``gt_points`` (see :meth:`loss_by_feat`)."""
        points = [s.gt_points for s in data_samples]
        for sample, p in zip(data_samples, points):
            if p is None:
                raise ValueError(
                    f"{sample.metainfo.get('img_path')} has no ground-truth "
                    'points (an unlabelled or unannotated image) but reached '
                    "the supervised loss; train on subset='labeled', or use "
                    'a semi-supervised config')
        return self.loss_by_feat(self(x), points)

    def loss_by_feat(self,
                     maps: Tensor,
                     points: Sequence[Tensor],
                     point_weights: Optional[Sequence[Tensor]] = None,
                     pixel_weights: Optional[Tensor] = None,
                     loss_fn: Optional[BasePointLoss] = None
                     ) -> Dict[str, Tensor]:
        """The losses of this head's maps against points.

        Args:
            maps (Tensor): (B, num_channels, h, w) from :meth:`forward`.
            points (list[Tensor]): B tensors (N_b, 2), (x, y) in input
                pixels (labels or pseudo-points).
            point_weights (list[Tensor], optional): B tensors (N_b,) in
                [0, 1] (a pseudo-point's confidence).
            pixel_weights (Tensor, optional): (B, 1, h, w) in [0, 1] (0 in
                a cutout).
            loss_fn (BasePointLoss, optional): the point loss; None uses
                the head's own (``loss``). A semi-supervised model passes
                its unlabelled loss here.

        Returns:
            dict: ``loss_point``, a scalar.
        """
        loss_fn = self.loss_fn if loss_fn is None else loss_fn
        return dict(loss_point=loss_fn(maps, points, self.stride,
                                       point_weights, pixel_weights))

    def predict(self, x: Tensor, data_samples: Sequence[CrowdDataSample],
                rescale: bool = True) -> List[CrowdDataSample]:
        return self.predict_by_feat(self(x), data_samples, rescale)

    @torch.no_grad()
    def predict_by_feat(self, maps: Tensor,
                        data_samples: Sequence[CrowdDataSample],
                        rescale: bool = True) -> List[CrowdDataSample]:
        """Fill ``pred_points``, ``pred_count`` and ``pred_logits``.

        A cell is a head if its logit (channel 0 of the (B, C, h, w)
        ``maps``) exceeds ``logit_thr`` and it covers at least one pixel
        of the unpadded input (``img_shape``): padding holds no heads.
        Points are cell centres, mapped to the original image when
        ``rescale`` (undoing resize and flip with the sample's metainfo).
        """
        s = self.stride
        for logit, sample in zip(maps[:, :1], data_samples):
            # Without img_shape the whole map is image.
            img_h, img_w = sample.metainfo.get(
                'img_shape', (logit.shape[-2] * s, logit.shape[-1] * s))[:2]
            points, _ = cell_points(logit[0], s, (img_h, img_w),
                                    self.logit_thr)
            h, w = image_cells((img_h, img_w), s, logit.shape[-2:])
            if rescale and 'scale_factor' in sample.metainfo:
                points = input_to_original(
                    points, sample.scale_factor,
                    flip=sample.metainfo.get('flip', False),
                    input_width=img_w)
            sample.pred_points = points
            sample.pred_count = len(points)
            sample.pred_logits = logit[:, :h, :w].detach()
        return list(data_samples)

    @torch.no_grad()
    def pseudo_points_by_feat(
            self,
            maps: Tensor,
            img_shapes: Sequence[Tuple[int, int]],
            logit_thr: float = 0.0,
            confidence_thr: float = 0.7) -> Tuple[List[Tensor], List[Tensor]]:
        """A teacher's pseudo-points from its maps: every cell with
        logit >= ``logit_thr`` at its centre, confidence 1 if
        sigmoid(logit) > ``confidence_thr`` else 0 (see
        :func:`~p2r_mm.models.utils.pseudo_points_from_logits`).

        Args:
            maps (Tensor): (B, num_channels, h, w), channel 0 the logit.
            img_shapes (Sequence[tuple]): unpadded (H, W) of each input.

        Returns:
            tuple[list[Tensor], list[Tensor]]: per image, points (N, 2)
            (x, y) in input pixels and confidences (N,) in {0, 1}.
        """
        return pseudo_points_from_logits(maps[:, :1], self.stride,
                                         img_shapes, logit_thr,
                                         confidence_thr)

    def merge_flipped(self, maps: Tensor, mirrored: Tensor) -> Tensor:
        """Flip test-time augmentation: the maps of an input and those of
        its mirror image (already mapped back, see
        :func:`~p2r_mm.models.counters.flip_averaged_logits`), both
        (B, num_channels, h, w), merged into one: here their mean, taken
        before any threshold."""
        return (maps + mirrored) / 2
