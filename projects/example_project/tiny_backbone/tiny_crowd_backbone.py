"""A small strided-conv backbone, for quick experiments on a CPU."""
from typing import Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from p2r_mm.registry import MODELS


@MODELS.register_module()
class TinyCrowdBackbone(BaseModule):
    """Four stages of (3x3 conv stride 2, 3x3 conv) + BN + ReLU, returning
    the stride-8 and stride-16 features, as ``VGG16BN`` returns conv4_3 and
    conv5_3, so ``TopDownFusionNeck`` takes it in VGG's place.

    Args:
        channels (Sequence[int]): output channels of the four stages
            (strides 2, 4, 8, 16); the neck's ``in_channels`` are the last
            two (128, 128 by default: those of the narrow CPU counter,
            ``configs/_base_/models/narrow_cpu.py``).

    Input: (B, 3, H, W). Output: ((B, channels[2], H/8, W/8),
    (B, channels[3], H/16, W/16)).
    """

    def __init__(self,
                 channels: Sequence[int] = (16, 32, 128, 128),
                 init_cfg=dict(type='Kaiming', layer='Conv2d')) -> None:
        super().__init__(init_cfg)
        if len(channels) != 4:
            raise ValueError(f'channels must give 4 stages, got {channels}')
        norm = dict(type='BN')
        stages, in_ch = [], 3
        for out_ch in channels:
            stages.append(nn.Sequential(
                ConvModule(in_ch, out_ch, 3, stride=2, padding=1,
                           norm_cfg=norm),
                ConvModule(out_ch, out_ch, 3, padding=1, norm_cfg=norm)))
            in_ch = out_ch
        self.stages = nn.ModuleList(stages)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return outs[2], outs[3]
