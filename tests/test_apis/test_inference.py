import cv2
import numpy as np
import pytest
import torch

from p2r_mm.apis import inference_counter, init_counter
from p2r_mm.structures import CrowdDataSample
from .tiny_counter import (pattern_count, pattern_points, random_image,
                           write_checkpoint, write_config)


pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """Configs (without and with ResizeLongSide(64)), checkpoints and a
    100 x 80 (w x h) PNG (lossless: file and array give the same pixels).
    """
    tmp = tmp_path_factory.mktemp('apis')
    cfg = write_config(tmp / 'tiny.py')
    files = dict(
        cfg=cfg,
        cfg64=write_config(tmp / 'tiny64.py', max_size=64),
        semi_cfg=write_config(tmp / 'semi.py', semi=True),
        pattern=write_checkpoint(cfg, tmp / 'pattern.pth', pattern=True),
        random=write_checkpoint(cfg, tmp / 'random.pth', pattern=False),
        img=str(tmp / 'img.png'))
    cv2.imwrite(files['img'], random_image(80, 100))
    return tmp, files


def by_position(points):
    points = np.asarray(points, dtype=np.float64)
    return points[np.lexsort((points[:, 0], points[:, 1]))]


def test_paths_and_arrays_give_the_same_prediction(tiny):
    _, f = tiny
    model = init_counter(f['cfg'], f['random'])
    assert not model.training and model.cfg.model.type == 'PointCounter'
    img = cv2.imread(f['img'])
    from_path = inference_counter(model, f['img'])
    from_array = inference_counter(model, img)
    assert isinstance(from_path, CrowdDataSample)
    assert from_path.img_path == f['img'] and from_array.img_path is None
    assert from_path.pred_count == from_array.pred_count
    torch.testing.assert_close(from_path.pred_logits, from_array.pred_logits)
    assert from_path.pred_logits.shape == (1, 20, 25)
    # Lists (here batched: equal sizes, so no extra padding) keep order.
    both = inference_counter(model, [f['img'], img], batch_size=2)
    assert isinstance(both, list) and len(both) == 2
    for sample in both:
        torch.testing.assert_close(sample.pred_points, from_path.pred_points)


def test_exact_points_mapped_back_through_a_resize(tiny):
    _, f = tiny
    model = init_counter(f['cfg64'], f['pattern'])
    sample = inference_counter(model, random_image(80, 100))
    # 100 x 80 -> 64 x 51 input: 13 x 16 cells, 7 x 8 of them heads.
    assert sample.img_shape == (51, 64) and sample.ori_shape == (80, 100)
    assert sample.pred_count == pattern_count(51, 64) == 56
    scale = np.array([64 / 100, 51 / 80])
    expected = (pattern_points(51, 64) + 0.5) / scale - 0.5
    np.testing.assert_allclose(
        by_position(sample.pred_points.numpy()), by_position(expected),
        rtol=0, atol=1e-4)
    x, y = sample.pred_points.T
    assert (x >= -0.5).all() and (x < 99.5).all()
    assert (y >= -0.5).all() and (y < 79.5).all()


def test_tiled_prediction_equals_whole_image(tiny):
    _, f = tiny
    img = random_image(150, 200, seed=1)
    whole = inference_counter(init_counter(f['cfg'], f['pattern']), img)
    tiled_model = init_counter(f['cfg'], f['pattern'], tile=(64, 32))
    assert tiled_model.test_cfg['tile'] == dict(size=64, overlap=32)
    tiled = inference_counter(tiled_model, img)
    # Every cell must come from exactly one tile: a gap or a double would
    # change the count or the points.
    assert tiled.pred_count == whole.pred_count == pattern_count(150, 200)
    torch.testing.assert_close(
        torch.from_numpy(by_position(tiled.pred_points.numpy())),
        torch.from_numpy(by_position(whole.pred_points.numpy())))


def test_semi_supervised_model_tiles_its_predicting_counter(tiny):
    tmp, f = tiny
    state = torch.load(f['pattern'], weights_only=True)['state_dict']
    semi_ckpt = str(tmp / 'semi.pth')
    torch.save({'state_dict': {f'{part}.{k}': v
                               for part in ('student', 'teacher')
                               for k, v in state.items()}}, semi_ckpt)
    model = init_counter(f['semi_cfg'], semi_ckpt, tile=(64, 32))
    assert model.student.test_cfg['tile'] == dict(size=64, overlap=32)
    sample = inference_counter(model, random_image(150, 200))
    assert sample.pred_count == pattern_count(150, 200)


def test_bad_inputs_name_the_problem(tiny):
    tmp, f = tiny
    model = init_counter(f['cfg'], f['pattern'])
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        inference_counter(model, str(tmp / 'missing.jpg'))
    corrupt = tmp / 'corrupt.jpg'
    corrupt.write_bytes(np.random.default_rng(0).bytes(500))
    with pytest.raises(ValueError, match='corrupt.jpg'):
        inference_counter(model, [f['img'], str(corrupt)])
    with pytest.raises(ValueError, match='uint8'):
        inference_counter(model, np.zeros((8, 8, 3), np.float32))
    with pytest.raises(TypeError, match='config'):
        init_counter(42)
