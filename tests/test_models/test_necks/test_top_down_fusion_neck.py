import pytest
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
    assert (out < 0).any()  # no activation after the 3x3 conv (official)
    relu = neck(act_cfg=dict(type='ReLU'))
    assert (relu((torch.randn(2, 6, 12, 16),
                  torch.randn(2, 10, 6, 8))) >= 0).all()
    # Odd fine sizes: the coarse map is upsampled to the fine one's size.
    out = m((torch.randn(1, 6, 13, 17), torch.randn(1, 10, 7, 9)))
    assert out.shape == (1, 8, 13, 17)


@pytest.mark.parametrize('mode,rows,cols', [
    # nearest: the 2x2 block under the coarse pixel, dilated by the 3x3 conv
    ('nearest', slice(3, 7), slice(5, 9)),
    # bilinear (align_corners=False): the 4x4 block it interpolates into
    ('bilinear', slice(2, 8), slice(4, 10)),
])
def test_a_coarse_pixel_reaches_its_upsampled_block_and_the_halo(
        mode, rows, cols):
    m = neck(upsample_mode=mode)
    fine, coarse = torch.randn(1, 6, 12, 16), torch.randn(1, 10, 6, 8)
    with torch.no_grad():
        before = m((fine, coarse))
        coarse[0, :, 2, 3] += 5.0
        changed = (m((fine, coarse)) - before).abs().amax(1)[0] > 1e-6
    expected = torch.zeros(12, 16, dtype=torch.bool)
    expected[rows, cols] = True
    assert torch.equal(changed, expected)


def test_bad_upsample_mode():
    with pytest.raises(ValueError, match='upsample_mode'):
        neck(upsample_mode='bicubic')
