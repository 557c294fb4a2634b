"""inference_psam: the test pipeline, then compute_psam and psam_spread."""
import cv2
import pytest
import torch

from p2r_mm.apis import (build_test_pipelines, inference_psam, init_counter,
                         prepare_image)
from p2r_mm.visualization import (compute_psam, model_radius_range,
                                  predicted_points, psam_spread)
from .tiny_counter import random_image, write_checkpoint, write_config


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A seeded random tiny counter, with and without ResizeLongSide(64),
    and a 100 x 80 (w x h) PNG."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: a second thread only competes
    tmp = tmp_path_factory.mktemp('psam_api')
    cfg = write_config(tmp / 'tiny.py')
    ckpt = write_checkpoint(cfg, tmp / 'random.pth', pattern=False)
    cfg64 = write_config(tmp / 'tiny64.py', max_size=64)
    img = str(tmp / 'img.png')
    cv2.imwrite(img, random_image(80, 100))
    yield cfg, cfg64, ckpt, img
    torch.set_num_threads(threads)


def test_top_k_is_compute_psam_on_the_prepared_image(tiny):
    cfg, _, ckpt, img = tiny
    model = init_counter(cfg, ckpt)
    out = inference_psam(model, img, top_k=3)
    inputs, sample, rgb = prepare_image(model, img,
                                        build_test_pipelines(model.cfg))
    ref = compute_psam(model, inputs, top_k=3,
                       img_shape=sample.metainfo['img_shape'][:2])
    torch.testing.assert_close(out.result.maps, ref.maps)
    assert out.result.cells.tolist() == ref.cells.tolist()
    spread = psam_spread(ref, **model_radius_range(model))
    for key in ('radius', 'mass_within', 'effective_area'):
        torch.testing.assert_close(out.spread[key], spread[key])
    assert out.predicted == len(predicted_points(ref))
    assert out.scale_factor == (1.0, 1.0) and out.image.shape == (80, 100, 3)
    assert (out.image == rgb).all()
    fixed = inference_psam(model, img, top_k=2, radius=1000.0)
    assert fixed.spread['mass_within'].tolist() == pytest.approx([1.0] * 2)


def test_points_are_original_pixels(tiny):
    _, cfg64, ckpt, img = tiny
    model = init_counter(cfg64, ckpt)  # 100 x 80 -> 64 x 51
    points = torch.tensor([[10.0, 12.0], [99.0, 79.0]])
    out = inference_psam(model, img, points=points)
    sx, sy = out.scale_factor
    assert sx == pytest.approx(0.64) and out.image.shape[:2] == (51, 64)
    # Each query is the stride-4 cell holding the resized point.
    resized = (points + 0.5) * torch.tensor([sx, sy]) - 0.5
    assert out.result.cells.tolist() == \
        resized.flip(1).div(4).floor().long().tolist()


def test_exactly_one_query(tiny):
    cfg, _, ckpt, img = tiny
    model = init_counter(cfg, ckpt)
    with pytest.raises(ValueError, match='exactly one of top_k or points'):
        inference_psam(model, img)
    with pytest.raises(ValueError, match='exactly one of top_k or points'):
        inference_psam(model, img, top_k=1, points=torch.zeros(1, 2))
