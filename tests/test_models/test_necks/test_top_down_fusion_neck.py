import torch

from p2r_mm.registry import MODELS


def neck(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type='TopDownFusionNeck', in_channels=(6, 10),
                             out_channels=8, **kwargs)).eval()


def test_output_is_at_the_fine_resolution():
    m = neck()
    out = m((torch.randn(2, 6, 12, 16), torch.randn(2, 10, 6, 8)))
    assert out.shape == (2, 8, 12, 16) and m.out_channels == 8
    assert (out >= 0).all()  # ReLU after the 3x3 conv
    # Odd fine sizes: the coarse map is upsampled to the fine one's size.
    out = m((torch.randn(1, 6, 13, 17), torch.randn(1, 10, 7, 9)))
    assert out.shape == (1, 8, 13, 17)


def test_a_coarse_pixel_reaches_its_fine_block_and_the_3x3_halo_only():
    m = neck()
    fine, coarse = torch.randn(1, 6, 12, 16), torch.randn(1, 10, 6, 8)
    with torch.no_grad():
        before = m((fine, coarse))
        coarse[0, :, 2, 3] += 5.0  # covers fine rows 4..5, columns 6..7
        changed = (m((fine, coarse)) - before).abs().amax(1)[0] > 0
    expected = torch.zeros(12, 16, dtype=torch.bool)
    expected[3:7, 5:9] = True  # the 2x2 block dilated by the 3x3 conv
    assert torch.equal(changed, expected)


def test_norm_after_the_fuse_conv():
    m = neck(norm_cfg=dict(type='BN'))
    assert isinstance(m.fuse.norm, torch.nn.BatchNorm2d)
    assert m.fuse.conv.bias is None  # ConvModule drops it before a norm
