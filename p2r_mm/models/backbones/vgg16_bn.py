"""VGG-16 with batch norm, in torchvision's module layout."""
from typing import Tuple

import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from p2r_mm.registry import MODELS

# Convolutions per stage; every stage but the last ends in a 2x2 max-pool.
_STAGES = (2, 2, 3, 3, 3)
_WIDTH_FACTORS = (1, 2, 4, 8, 8)


@MODELS.register_module()
class VGG16BN(BaseModule):
    """VGG-16-BN trunk up to conv5_3, returning conv4_3 and conv5_3.

    ``self.features`` is an ``nn.Sequential`` numbered exactly like
    ``torchvision.models.vgg16_bn().features`` (conv, bn, relu per layer,
    a max-pool after each stage), so torchvision's ImageNet checkpoint
    (``vgg16_bn-6c64b313.pth``) loads with
    ``init_cfg=dict(type='Pretrained', checkpoint=PATH_OR_URL)`` and no key
    renaming; its ``classifier.*`` keys are simply unused. The pool after
    conv5_3 (index 43) is left out: nothing reads its output.

    Args:
        base_channels (int): channels of the first stage (64 in VGG-16;
            smaller values give a narrow network for CPU demos, which
            cannot load the ImageNet weights).
        init_cfg (dict, optional): MMEngine initialisation config.

    Outputs:
        tuple[Tensor, Tensor]: conv4_3 (B, 8c, H/8, W/8) and conv5_3
        (B, 8c, H/16, W/16), after ReLU, for ``c = base_channels``.
    """

    def __init__(self, base_channels: int = 64, init_cfg=None) -> None:
        super().__init__(init_cfg)
        layers = []
        in_ch = 3
        self.conv4_3_index = None
        for stage, (n_conv, factor) in enumerate(zip(_STAGES,
                                                     _WIDTH_FACTORS)):
            out_ch = base_channels * factor
            for _ in range(n_conv):
                layers += [
                    nn.Conv2d(in_ch, out_ch, 3, padding=1),
                    nn.BatchNorm2d(out_ch),
                    nn.ReLU(inplace=True)
                ]
                in_ch = out_ch
            if stage == 3:
                self.conv4_3_index = len(layers) - 1  # its ReLU: 32
            if stage < len(_STAGES) - 1:
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        self.features = nn.Sequential(*layers)
        self.out_channels = (in_ch, in_ch)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        c4 = self.features[:self.conv4_3_index + 1](x)
        c5 = self.features[self.conv4_3_index + 1:](c4)
        return c4, c5
