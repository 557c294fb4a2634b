import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from p2r_mm.models.counters import PointCounter, tile_spans
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample


@MODELS.register_module(force=True)
class LocalFeaturesForTest(nn.Module):
    """A backbone whose outputs only see their own 8/16-pixel block, so
    tiled and whole-image prediction must agree exactly."""

    def __init__(self, channels=8):
        super().__init__()
        self.c4 = nn.Conv2d(3, channels, 1)
        self.c5 = nn.Conv2d(3, channels, 1)

    def forward(self, x):
        return (self.c4(F.avg_pool2d(x, 8)), self.c5(F.avg_pool2d(x, 16)))


def narrow_counter(backbone=dict(type='VGG16BN', base_channels=4), ch=32,
                   **kwargs):
    return MODELS.build(
        dict(type='PointCounter', backbone=backbone,
             neck=dict(type='TopDownFusionNeck', in_channels=(ch, ch),
                       out_channels=16),
             head=dict(type='PointClassificationHead', in_channels=16,
                       feat_channels=16),
             **kwargs))


def packed(h, w, points, **meta):
    sample = CrowdDataSample(metainfo=dict(img_shape=(h, w), **meta))
    sample.gt_points = torch.tensor(points, dtype=torch.float32).reshape(-1, 2)
    sample.gt_count = len(sample.gt_points)
    return dict(inputs=[torch.randint(0, 255, (3, h, w), dtype=torch.uint8)],
                data_samples=[sample])


def test_modes_shapes_and_loss():
    model = narrow_counter()
    data = model.data_preprocessor(packed(70, 90, [[5, 5], [40, 33]]), True)
    assert data['inputs'].shape == (1, 3, 96, 96)  # padded to /32
    assert data['data_samples'][0].batch_input_shape == (96, 96)
    logits = model(data['inputs'], mode='tensor')
    assert logits.shape == (1, 1, 24, 24)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_point'} and losses['loss_point'] > 0
    losses['loss_point'].backward()
    assert model.backbone.features[0].weight.grad is not None


def test_p2p_loss_by_config():
    model = narrow_counter()
    model.head.loss_fn = MODELS.build(dict(type='P2PLoss'))
    data = model.data_preprocessor(packed(64, 64, [[5, 5]]), True)
    assert model(**data, mode='loss')['loss_point'] > 0


def test_predict_maps_cells_back_to_the_original_image():
    model = narrow_counter()
    head = model.head
    # Input 60x50 (from an original of 120x100 downscaled by 2), padded to
    # 64x64: stride-4 map 16x16, of which 15x13 cells cover the image.
    logits = torch.full((1, 1, 16, 16), -5.0)
    logits[0, 0, 2, 3] = 1.0  # centre (13.5, 9.5) in the input
    logits[0, 0, 15, 15] = 9.0  # in the padding: not a head
    sample = CrowdDataSample(
        metainfo=dict(img_shape=(60, 50), scale_factor=(0.5, 0.5)))
    out = head.predict_by_feat(logits, [sample])[0]
    assert out.pred_count == 1
    assert out.pred_points.tolist() == [[27.5, 19.5]]  # (x + .5) * 2 - .5
    assert out.pred_logits.shape == (1, 15, 13)
    # A flipped input: x is mirrored in the 50-wide input first.
    sample = CrowdDataSample(metainfo=dict(
        img_shape=(60, 50), scale_factor=(0.5, 0.5), flip=True))
    out = head.predict_by_feat(logits, [sample])[0]
    assert out.pred_points.tolist() == [[(49 - 13.5 + .5) * 2 - .5, 19.5]]


def test_predict_without_img_shape_uses_the_whole_map():
    model = narrow_counter()
    logits = torch.full((1, 1, 8, 6), 1.0)
    out = model.head.predict_by_feat(logits, [CrowdDataSample()])[0]
    assert out.pred_count == 48 and out.pred_logits.shape == (1, 8, 6)


def test_unlabelled_sample_in_the_supervised_loss_is_named():
    model = narrow_counter()
    data = packed(64, 64, [[5, 5]])
    sample = CrowdDataSample(metainfo=dict(img_shape=(64, 64),
                                           img_path='unlabelled.jpg'))
    data = model.data_preprocessor(
        dict(inputs=data['inputs'], data_samples=[sample]), True)
    with pytest.raises(ValueError, match='unlabelled.jpg.*subset'):
        model(**data, mode='loss')


def test_threshold_is_configurable():
    logits = torch.tensor([[[[0.5, 1.5], [-1.0, 3.0]]]])
    model = narrow_counter()
    model.head.logit_thr = 1.0
    sample = CrowdDataSample(metainfo=dict(img_shape=(8, 8)))
    assert model.head.predict_by_feat(logits, [sample])[0].pred_count == 2


def test_tile_spans_partition_the_axis():
    for length, size, overlap in [(1000, 512, 128), (2048, 1024, 256),
                                  (512, 512, 64), (96, 64, 32)]:
        spans = tile_spans(length, size, overlap, 4)
        assert spans[0][2] == 0 and spans[-1][3] == length
        for (s0, e0, c0, d0), (s1, e1, c1, d1) in zip(spans, spans[1:]):
            assert d0 == c1 and s1 < e0 - overlap + 1  # cores touch
        for s, e, c, d in spans:
            assert s <= c < d <= e and e - s <= size and c % 4 == 0


def test_tiled_prediction_equals_whole_image_prediction():
    torch.manual_seed(0)
    tiled = narrow_counter(
        backbone=dict(type='LocalFeaturesForTest'), ch=8,
        test_cfg=dict(tile=dict(size=128, overlap=96)))
    whole = narrow_counter(backbone=dict(type='LocalFeaturesForTest'), ch=8)
    whole.load_state_dict(tiled.state_dict())
    tiled.eval(), whole.eval()
    data = tiled.data_preprocessor(packed(200, 330, []), False)
    with torch.no_grad():
        ref = whole(data['inputs'])
        got = tiled.tiled_logits(data['inputs'])
    assert got.shape == ref.shape
    assert torch.allclose(got, ref, atol=1e-5)
    counts = [m(**data, mode='predict')[0].pred_count
              for m in (tiled, whole)]
    assert counts[0] == counts[1]


def test_bad_tile_config():
    with pytest.raises(ValueError, match='multiple of 32'):
        narrow_counter(test_cfg=dict(tile=dict(size=100, overlap=32)))
    with pytest.raises(ValueError, match='smaller'):
        narrow_counter(test_cfg=dict(tile=dict(size=64, overlap=64)))
    with pytest.raises(ValueError, match='at least 0'):
        narrow_counter(test_cfg=dict(tile=dict(size=64, overlap=-32)))
    assert isinstance(narrow_counter(), PointCounter)
