import pytest
import torch

from p2r_mm.models.utils import cell_centers
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample


def head(**kwargs):
    torch.manual_seed(0)
    cfg = dict(type='PointClassificationHead', in_channels=8,
               feat_channels=8, **kwargs)
    return MODELS.build(cfg).eval()


def sample(points=None, **meta):
    s = CrowdDataSample(metainfo=meta)
    if points is not None:
        s.gt_points = torch.tensor(points, dtype=torch.float32).reshape(-1, 2)
    return s


def test_logits_are_channel_1_minus_channel_0_after_the_shuffle():
    m = head(upsample_factor=2, feat_stride=8)
    assert m.stride == 4
    x = torch.randn(2, 8, 5, 7)
    logits = m(x)
    assert logits.shape == (2, 1, 10, 14)
    two = torch.nn.functional.pixel_shuffle(m.cls(m.convs(x)), 2)
    torch.testing.assert_close(logits, two[:, 1:2] - two[:, 0:1])
    assert head(upsample_factor=4, feat_stride=16).stride == 4
    with pytest.raises(ValueError, match='not divisible'):
        head(upsample_factor=3, feat_stride=8)


def test_loss_is_the_configured_point_loss_of_the_gt_points():
    m = head(loss=dict(type='P2RLoss', min_radius=4, max_radius=32))
    x = torch.randn(2, 8, 4, 4)
    samples = [sample([[3.0, 5.0], [20.0, 9.5]]), sample([])]
    got = m.loss(x, samples)
    assert set(got) == {'loss_point'}
    ref = MODELS.build(dict(type='P2RLoss', min_radius=4, max_radius=32))(
        m(x), [s.gt_points for s in samples], 4)
    torch.testing.assert_close(got['loss_point'], ref)
    with pytest.raises(ValueError, match=r'u\.jpg has no ground-truth'):
        m.loss(x, [samples[0], sample(img_path='u.jpg')])


def test_predict_keeps_image_cells_above_the_threshold():
    m = head(logit_thr=0.5)
    logits = torch.full((1, 1, 4, 6), -1.0)
    logits[0, 0, 0, 1] = 2.0  # cell (0, 1): centre (5.5, 1.5)
    logits[0, 0, 2, 4] = 0.5  # at the threshold: not a head
    logits[0, 0, 3, 5] = 9.0  # in the padding of a 10 x 18 image
    s = m.predict_by_feat(logits, [sample(img_shape=(10, 18))],
                            rescale=False)[0]
    assert s.pred_points.tolist() == [[5.5, 1.5]] and s.pred_count == 1
    assert s.pred_logits.shape == (1, 3, 5)  # the cells that hold pixels
    # Without img_shape the whole map is image.
    s = m.predict_by_feat(logits, [sample()], rescale=False)[0]
    assert s.pred_count == 2


def test_predict_maps_points_to_the_original_image():
    m = head()
    logits = torch.full((1, 1, 4, 4), -1.0)
    logits[0, 0, 1, 2] = 1.0
    centre = cell_centers(4, 4, 4)[1 * 4 + 2]  # (9.5, 5.5) in the input
    # The input is the original resized by 0.5 and flipped.
    s = m.predict_by_feat(logits, [sample(img_shape=(16, 16),
                                            scale_factor=(0.5, 0.5),
                                            flip=True)])[0]
    x = (16 - 1 - centre[0] + 0.5) / 0.5 - 0.5
    y = (centre[1] + 0.5) / 0.5 - 0.5
    assert s.pred_points.tolist() == [[x, y]]


def test_loss_by_feat_takes_weights_and_another_loss():
    m = head()
    maps = torch.randn(2, 1, 4, 4)
    points = [torch.tensor([[3.0, 5.0], [12.0, 9.5]]), torch.zeros(0, 2)]
    weights = [torch.tensor([1.0, 0.0]), torch.zeros(0)]
    pixel = torch.ones(2, 1, 4, 4)
    pixel[:, :, :2] = 0
    p2p = MODELS.build(dict(type='P2PLoss', ignore_unmatched=True))
    got = m.loss_by_feat(maps, points, weights, pixel, loss_fn=p2p)
    torch.testing.assert_close(got['loss_point'],
                               p2p(maps, points, 4, weights, pixel))
    torch.testing.assert_close(
        m.loss_by_feat(maps, points)['loss_point'], m.loss_fn(maps, points, 4))


def test_pseudo_points_are_cell_centres_with_binary_confidence():
    m = head()
    maps = torch.full((1, 1, 2, 3), -5.0)
    maps[0, 0, 1, 2] = 2.0  # confident
    maps[0, 0, 0, 0] = 0.0  # a pseudo-point (>= 0), not confident
    points, conf = m.pseudo_points_by_feat(maps, [(8, 12)],
                                           confidence_thr=0.7)
    assert points[0].tolist() == [[1.5, 1.5], [9.5, 5.5]]
    assert conf[0].tolist() == [0.0, 1.0]


def test_flip_views_merge_by_their_mean():
    m = head()
    a, b = torch.randn(2, 1, 3, 4), torch.randn(2, 1, 3, 4)
    torch.testing.assert_close(m.merge_flipped(a, b), (a + b) / 2)
