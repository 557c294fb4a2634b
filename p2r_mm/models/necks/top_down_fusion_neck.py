"""Fuses the stride-16 and stride-8 backbone outputs at stride 8."""
from typing import Sequence, Tuple

import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from p2r_mm.registry import MODELS


@MODELS.register_module()
class TopDownFusionNeck(BaseModule):
    """1x1 convs bring both inputs to ``out_channels``, the coarser one is
    upsampled (nearest) to the finer one's size, they are summed, and a
    3x3 conv (+ ReLU) mixes the sum.

    Args:
        in_channels (Sequence[int]): channels of (fine, coarse) inputs.
        out_channels (int): channels of the output.
        norm_cfg (dict, optional): norm after the 3x3 conv.

    Inputs: ``(fine, coarse)``, e.g. conv4_3 (stride 8) and conv5_3
    (stride 16). Output: (B, out_channels, h_fine, w_fine).
    """

    def __init__(self,
                 in_channels: Sequence[int] = (512, 512),
                 out_channels: int = 256,
                 norm_cfg=None,
                 init_cfg=dict(type='Kaiming', layer='Conv2d')) -> None:
        super().__init__(init_cfg)
        fine_ch, coarse_ch = in_channels
        self.lateral_fine = ConvModule(fine_ch, out_channels, 1, act_cfg=None)
        self.lateral_coarse = ConvModule(
            coarse_ch, out_channels, 1, act_cfg=None)
        self.fuse = ConvModule(
            out_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg)
        self.out_channels = out_channels

    def forward(self, inputs: Tuple[Tensor, Tensor]) -> Tensor:
        fine, coarse = inputs
        fine = self.lateral_fine(fine)
        coarse = F.interpolate(
            self.lateral_coarse(coarse), size=fine.shape[-2:],
            mode='nearest')
        return self.fuse(fine + coarse)
