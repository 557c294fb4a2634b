"""The onnxruntime backend of init_counter / inference_counter against the
PyTorch model it was exported from."""
import sys

import numpy as np
import pytest
import torch

from p2r_mm.apis import OnnxCounter, inference_counter, init_counter
from .tiny_counter import random_image, write_checkpoint, write_config
from .tiny_onnx import export_onnx

pytestmark = pytest.mark.usefixtures('one_thread')

TOL = 1e-4  # the export tool's parity tolerance on logits


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """A seeded random tiny counter (pixel-dependent predictions), as .pth
    and as dynamic and fixed-size .onnx; configs without and with
    ResizeLongSide(64)."""
    tmp = tmp_path_factory.mktemp('onnx_api')
    cfg = write_config(tmp / 'tiny.py')
    ckpt = write_checkpoint(cfg, tmp / 'random.pth', pattern=False)
    export_onnx(cfg, ckpt, tmp / 'dynamic.onnx')
    export_onnx(cfg, ckpt, tmp / 'fixed.onnx', '--shape', 64, 96)
    return tmp, dict(cfg=cfg, cfg64=write_config(tmp / 'tiny64.py',
                                                  max_size=64),
                     pth=ckpt, onnx=str(tmp / 'dynamic.onnx'),
                     fixed=str(tmp / 'fixed.onnx'))


def assert_same_prediction(got, expected):
    assert got.pred_count == expected.pred_count
    assert got.img_shape == expected.img_shape
    assert got.ori_shape == expected.ori_shape
    torch.testing.assert_close(got.pred_logits, expected.pred_logits,
                               rtol=0, atol=TOL)
    # Same cells above the threshold: the very same points.
    torch.testing.assert_close(got.pred_points, expected.pred_points,
                               rtol=0, atol=0)


@pytest.mark.parametrize('config', ['cfg', 'cfg64'])
def test_onnxruntime_predicts_the_pytorch_points_and_counts(exported,
                                                            config):
    tmp, f = exported
    torch_model = init_counter(f[config], f['pth'])
    onnx_model = init_counter(f[config], f['onnx'])  # by the extension
    assert isinstance(onnx_model, OnnxCounter) and not onnx_model.training
    assert onnx_model.cfg.model.type == 'PointCounter'
    explicit = init_counter(f[config], f['onnx'], backend='onnxruntime')
    assert isinstance(explicit, OnnxCounter)
    # Sizes that are not multiples of 32 (padding), a resize with cfg64,
    # a batch of two different sizes.
    images = [random_image(80, 100, seed=1), random_image(150, 200, seed=2),
              random_image(37, 45, seed=3)]
    expected = inference_counter(torch_model, images, batch_size=2)
    got = inference_counter(onnx_model, images, batch_size=2)
    assert sum(s.pred_count for s in expected) > 0  # not a trivial model
    for g, e in zip(got, expected):
        assert_same_prediction(g, e)
    # From a file, as the demos' folders do.
    import cv2
    path = str(tmp / 'img.png')
    cv2.imwrite(path, images[0])
    assert_same_prediction(inference_counter(onnx_model, path),
                           inference_counter(torch_model, path))


def test_onnxruntime_tiles_like_pytorch(exported):
    _, f = exported
    img = random_image(150, 200, seed=4)
    torch_tiled = init_counter(f['cfg'], f['pth'], tile=(64, 32))
    onnx_tiled = init_counter(f['cfg'], f['onnx'], tile=(64, 32))
    assert onnx_tiled.test_cfg['tile'] == dict(size=64, overlap=32)
    tiled = inference_counter(onnx_tiled, img)
    assert_same_prediction(tiled, inference_counter(torch_tiled, img))
    # Tiling really happened: the tiles see less context than the whole
    # image, so some border logits differ from whole-image prediction.
    whole = inference_counter(init_counter(f['cfg'], f['onnx']), img)
    assert not torch.allclose(tiled.pred_logits, whole.pred_logits)
    with pytest.raises(ValueError, match='multiple of 32'):
        init_counter(f['cfg'], f['onnx'], tile=(60, 20))


def test_onnxruntime_flips_like_pytorch(exported):
    _, f = exported
    img = random_image(50, 70, seed=5)
    flip = {'model.test_cfg.flip': True}
    onnx_tta = init_counter(f['cfg'], f['onnx'], cfg_options=flip)
    assert onnx_tta.test_cfg['flip'] is True
    tta = inference_counter(onnx_tta, img)
    assert_same_prediction(
        tta, inference_counter(init_counter(f['cfg'], f['pth'],
                                            cfg_options=flip), img))
    plain = inference_counter(init_counter(f['cfg'], f['onnx']), img)
    assert not torch.allclose(tta.pred_logits, plain.pred_logits)


def test_fixed_size_export_needs_that_size(exported):
    _, f = exported
    model = init_counter(f['cfg'], f['fixed'])
    assert model.input_shape == (1, 3, 64, 96)
    img = random_image(60, 90, seed=5)  # padded to 64 x 96
    assert_same_prediction(inference_counter(model, img),
                           inference_counter(init_counter(f['cfg'], f['pth']),
                                             img))
    with pytest.raises(ValueError, match=r'fixed shape.*dynamic'):
        inference_counter(model, random_image(100, 100))


def test_bad_backend_use_names_the_problem(exported):
    tmp, f = exported
    with pytest.raises(ValueError, match='.onnx'):
        init_counter(f['cfg'], f['pth'], backend='onnxruntime')
    with pytest.raises(ValueError, match="backend='onnxruntime'"):
        init_counter(f['cfg'], f['onnx'], backend='pytorch')
    with pytest.raises(ValueError, match='tensorrt'):
        init_counter(f['cfg'], f['onnx'], backend='tensorrt')
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        init_counter(f['cfg'], str(tmp / 'missing.onnx'))
    corrupt = tmp / 'corrupt.onnx'
    corrupt.write_bytes(np.random.default_rng(0).bytes(300))
    with pytest.raises(ValueError, match='corrupt.onnx'):
        init_counter(f['cfg'], str(corrupt))
    # A config whose head has another stride than the exported graph.
    stride8 = tmp / 'stride8.py'
    stride8.write_text(f"_base_ = ['{f['cfg']}']\n"
                       'model = dict(head=dict(upsample_factor=1))\n')
    with pytest.raises(ValueError, match='stride'):
        init_counter(str(stride8), f['onnx'])
    with pytest.raises(RuntimeError, match='only predicts'):
        init_counter(f['cfg'], f['onnx'])(torch.zeros(1, 3, 32, 32),
                                          mode='loss')


def test_missing_deploy_extra_is_one_line_naming_it(exported, monkeypatch):
    _, f = exported
    monkeypatch.setitem(sys.modules, 'onnxruntime', None)  # "not installed"
    with pytest.raises(ImportError) as error:
        init_counter(f['cfg'], f['onnx'])
    message = str(error.value)
    assert '\n' not in message
    assert 'onnxruntime' in message and '".[deploy]"' in message
    # The PyTorch path does not need it.
    init_counter(f['cfg'], f['pth'])
