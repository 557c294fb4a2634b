"""Fuses the stride-16 and stride-8 backbone outputs at stride 8."""
from typing import Optional, Sequence, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule
from torch import Tensor

from p2r_mm.registry import MODELS


@MODELS.register_module()
class TopDownFusionNeck(BaseModule):
    """1x1 convs bring both inputs to ``out_channels``, the coarser one is
    upsampled to the finer one's size, they are summed, and a 3x3 conv
    mixes the sum.

    The defaults are the P2R paper's fusion layer (``UpSample_P2P(bn=False,
    relu=False)`` of the official code, ``models/utils.py``): bilinear
    upsampling (``align_corners=False``), no norm and no activation after
    the 3x3 conv, PyTorch's default conv initialisation with the biases of
    the two 1x1 convs set to 0 (the 3x3 conv keeps PyTorch's default bias).

    Args:
        in_channels (Sequence[int]): channels of (fine, coarse) inputs.
        out_channels (int): channels of the output.
        upsample_mode (str): ``F.interpolate`` mode of the coarse map
            (``'bilinear'`` or ``'nearest'``).
        act_cfg (dict, optional): activation after the 3x3 conv (None:
            none, as in the paper).
        init_cfg (dict, optional): MMEngine initialisation; None keeps the
            initialisation described above.

    Inputs: ``(fine, coarse)``, e.g. conv4_3 (stride 8) and conv5_3
    (stride 16). Output: (B, out_channels, h_fine, w_fine).
    """

    def __init__(self,
                 in_channels: Sequence[int] = (512, 512),
                 out_channels: int = 256,
                 upsample_mode: str = 'bilinear',
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if upsample_mode not in ('bilinear', 'nearest'):
            raise ValueError("upsample_mode must be 'bilinear' or 'nearest', "
                             f'got {upsample_mode!r}')
        fine_ch, coarse_ch = in_channels
        self.lateral_fine = nn.Conv2d(fine_ch, out_channels, 1)
        self.lateral_coarse = nn.Conv2d(coarse_ch, out_channels, 1)
        for lateral in (self.lateral_fine, self.lateral_coarse):
            nn.init.zeros_(lateral.bias)
        self.fuse = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.act = (build_activation_layer(act_cfg) if act_cfg is not None
                    else nn.Identity())
        self.upsample_mode = upsample_mode
        self.out_channels = out_channels

    def forward(self, inputs: Tuple[Tensor, Tensor]) -> Tensor:
        fine, coarse = inputs
        fine = self.lateral_fine(fine)
        # align_corners only exists for the interpolating modes.
        extra = (dict(align_corners=False)
                 if self.upsample_mode == 'bilinear' else {})
        coarse = F.interpolate(
            self.lateral_coarse(coarse), size=fine.shape[-2:],
            mode=self.upsample_mode, **extra)
        return self.act(self.fuse(fine + coarse))
