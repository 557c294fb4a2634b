import torch
from mmengine.model import BaseModule

from p2r_mm.models.backbones import VGG16BN
from p2r_mm.registry import MODELS

# torchvision.models.vgg16_bn().features: indices of the 13 convolutions.
TORCHVISION_CONV_INDICES = [0, 3, 7, 10, 14, 17, 20, 24, 27, 30, 34, 37, 40]


def test_layout_matches_torchvision():
    vgg = VGG16BN()
    convs = [i for i, m in enumerate(vgg.features)
             if isinstance(m, torch.nn.Conv2d)]
    assert convs == TORCHVISION_CONV_INDICES
    bns = [i for i, m in enumerate(vgg.features)
           if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns == [i + 1 for i in TORCHVISION_CONV_INDICES]
    assert len(vgg.features) == 43  # torchvision's has the final pool, 44


def test_outputs_strides_and_width():
    vgg = VGG16BN(base_channels=8)
    c4, c5 = vgg(torch.randn(2, 3, 64, 96))
    assert c4.shape == (2, 64, 8, 12) and c5.shape == (2, 64, 4, 6)
    assert vgg.out_channels == (64, 64)


def test_loads_a_torchvision_style_checkpoint_without_key_surgery(tmp_path):
    # A checkpoint shaped like vgg16_bn-6c64b313.pth: a plain state dict
    # with features.N.* and classifier.* keys.
    source = VGG16BN()
    for p in source.parameters():
        torch.nn.init.normal_(p)
    state = dict(source.state_dict())  # features.N.* like torchvision's
    state['classifier.0.weight'] = torch.randn(4096, 25088)
    state['classifier.0.bias'] = torch.randn(4096)
    path = tmp_path / 'vgg16_bn-test.pth'
    torch.save(state, path)

    vgg = MODELS.build(
        dict(type='VGG16BN',
             init_cfg=dict(type='Pretrained', checkpoint=str(path))))
    assert isinstance(vgg, BaseModule)
    vgg.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(vgg.state_dict()[key], value), key
