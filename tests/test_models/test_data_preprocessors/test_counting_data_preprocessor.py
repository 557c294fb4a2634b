import torch

from p2r_mm.models.data_preprocessors.counting_data_preprocessor import (
    IMAGENET_MEAN, IMAGENET_STD)
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample


def test_normalises_rgb_pads_to_32_and_records_the_batch_shape():
    pre = MODELS.build(dict(type='CountingDataPreprocessor'))
    bgr = (10, 100, 200)
    small = torch.tensor(bgr, dtype=torch.uint8)[:, None, None].expand(
        3, 40, 50).clone()
    large = torch.zeros(3, 70, 33, dtype=torch.uint8)
    samples = [CrowdDataSample(metainfo=dict(img_shape=(40, 50))),
               CrowdDataSample(metainfo=dict(img_shape=(70, 33)))]
    out = pre(dict(inputs=[small, large], data_samples=samples), False)
    x = out['inputs']
    # Padded at the right / bottom to the largest image, then to /32.
    assert x.shape == (2, 3, 96, 64) and x.dtype == torch.float32
    rgb = torch.tensor(bgr[::-1], dtype=torch.float32)
    mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
    torch.testing.assert_close(x[0, :, 0, 0], (rgb - mean) / std)
    torch.testing.assert_close(x[0, :, 39, 49], (rgb - mean) / std)
    assert (x[0, :, 40:] == 0).all() and (x[0, :, :, 50:] == 0).all()
    torch.testing.assert_close(x[1, :, 69, 32], -mean / std)
    for s in out['data_samples']:
        assert s.batch_input_shape == (96, 64) and s.pad_shape == (96, 64)
    assert out['data_samples'][0].img_shape == (40, 50)  # kept


def test_without_data_samples_and_with_other_settings():
    pre = MODELS.build(dict(type='CountingDataPreprocessor', mean=None,
                            std=None, pad_size_divisor=8, bgr_to_rgb=False))
    img = torch.arange(3 * 5 * 6, dtype=torch.uint8).reshape(3, 5, 6)
    out = pre(dict(inputs=[img]), False)
    assert out['inputs'].shape == (1, 3, 8, 8)
    torch.testing.assert_close(out['inputs'][0, :, :5, :6], img.float())
    assert out.get('data_samples') is None
