"""CrowdInferencer: the registered inferencer behind init_counter,
inference_counter and the demos, with the tiny counter of tiny_counter.py
whose predictions are known."""
import inspect
import json

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from p2r_mm.apis import (CrowdInferencer, counter_config, inference_counter,
                         init_counter)
from p2r_mm.registry import INFERENCERS
from p2r_mm.structures import CrowdDataSample
from .tiny_counter import (pattern_count, random_image, write_checkpoint,
                           write_config)


pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A config, its 'pattern' checkpoint and a folder of two PNGs (48 x 64
    and 32 x 40) beside a text file."""
    tmp = tmp_path_factory.mktemp('inferencer')
    cfg = write_config(tmp / 'tiny.py')
    folder = tmp / 'images'
    folder.mkdir()
    cv2.imwrite(str(folder / 'b.png'), random_image(32, 40, seed=1))
    cv2.imwrite(str(folder / 'a.png'), random_image(48, 64))
    (folder / 'notes.txt').write_text('not an image')
    return dict(tmp=tmp, cfg=cfg, folder=folder,
                ckpt=write_checkpoint(cfg, tmp / 'pattern.pth', True))


def make(tiny, **kwargs):
    return CrowdInferencer(tiny['cfg'], tiny['ckpt'], device='cpu',
                           show_progress=False, **kwargs)


def test_registered_and_built_from_a_config(tiny):
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        inferencer = INFERENCERS.build(
            dict(type='CrowdInferencer', model=tiny['cfg'],
                 weights=tiny['ckpt'], device='cpu', show_progress=False))
    assert isinstance(inferencer, CrowdInferencer)
    assert not inferencer.model.training
    assert inferencer.model.cfg is inferencer.cfg


def test_a_folder_is_counted_in_name_order_with_files_written(tiny):
    out_dir = tiny['tmp'] / 'out'
    result = make(tiny)(str(tiny['folder']), out_dir=str(out_dir))
    counts = [p['count'] for p in result['predictions']]
    # a.png, then b.png; notes.txt is no image.
    assert counts == [pattern_count(48, 64), pattern_count(32, 40)]
    assert np.array(result['predictions'][0]['points']).shape == (48, 2)
    assert sorted(p.name for p in (out_dir / 'vis').iterdir()) == [
        'a.png', 'b.png']
    assert cv2.imread(str(out_dir / 'vis' / 'a.png')).shape == (48, 64, 3)
    saved = json.loads((out_dir / 'preds' / 'b.json').read_text())
    assert saved == result['predictions'][1]
    # Drawings come back only when asked for.
    assert len(result['visualization']) == 2
    assert make(tiny)(str(tiny['folder']))['visualization'] == []


def test_arrays_batches_and_data_samples(tiny):
    inferencer = make(tiny)
    images = [random_image(48, 64, seed=k) for k in range(3)]
    one_by_one = inferencer(images, return_vis=True)
    assert [v.shape for v in one_by_one['visualization']] == [(48, 64, 3)] * 3
    batched = inferencer(images, batch_size=2, return_datasamples=True)
    samples = batched['predictions']
    assert all(isinstance(s, CrowdDataSample) for s in samples)
    for sample, plain in zip(samples, one_by_one['predictions']):
        assert int(sample.pred_count) == plain['count'] == 48
        np.testing.assert_allclose(sample.pred_points.numpy(),
                                   np.array(plain['points']))
    # Array drawings are named by their running number.
    out_dir = tiny['tmp'] / 'arrays'
    inferencer(images[:1], img_out_dir=str(out_dir))
    assert [p.name for p in out_dir.iterdir()] == ['00000003.jpg']


def test_bad_inputs_and_arguments_name_the_problem(tiny):
    inferencer = make(tiny)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inferencer(str(tiny['tmp'] / 'missing.png'))
    with pytest.raises(ValueError, match='uint8'):
        inferencer(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match='out_file'):
        inferencer(random_image(8, 8), out_file='x.png')
    with pytest.raises(FileNotFoundError, match='no_such_config.py'):
        CrowdInferencer(str(tiny['tmp'] / 'no_such_config.py'))
    with pytest.raises(ValueError, match='onnxruntime'):
        CrowdInferencer(tiny['cfg'], tiny['ckpt'], backend='onnxruntime')


def test_a_built_model_is_used_as_it_is(tiny):
    model = init_counter(tiny['cfg'], tiny['ckpt'])
    inferencer = CrowdInferencer(model, show_progress=False)
    assert inferencer.model is model and inferencer.cfg is model.cfg
    image = random_image(48, 64)
    sample = inference_counter(model, image)
    assert inferencer(image)['predictions'][0]['count'] == \
        int(sample.pred_count) == 48
    with pytest.raises(ValueError, match='weights'):
        CrowdInferencer(model, tiny['ckpt'])
    with pytest.raises(AttributeError, match='init_counter'):
        CrowdInferencer(torch.nn.Linear(1, 1))


def test_the_wrappers_keep_their_signatures():
    # init_counter() alone loads the shipped model: config defaults to None.
    params = inspect.signature(init_counter).parameters
    assert [(n, p.default) for n, p in params.items()] == [
        ('config', None), ('checkpoint', None),
        ('device', 'cpu'), ('cfg_options', None), ('tile', None),
        ('backend', None)]
    params = inspect.signature(inference_counter).parameters
    assert [(n, p.default) for n, p in params.items()] == [
        ('model', inspect.Parameter.empty),
        ('images', inspect.Parameter.empty), ('batch_size', 1)]


def test_counter_config_finds_the_counter_of_either_kind(tiny):
    supervised = Config.fromfile(tiny['cfg']).model
    assert counter_config(supervised) is supervised
    semi = Config.fromfile(
        write_config(tiny['tmp'] / 'semi.py', semi=True)).model
    assert semi.type == 'SemiPointCounter'
    assert counter_config(semi) is semi.counter
    assert counter_config(semi).type == 'PointCounter'
