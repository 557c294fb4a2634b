"""Shipped models: publish_model.py's files, their lookup by name, and the
default model of init_counter() / CrowdInferencer()."""
import importlib.util
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from p2r_mm.apis import (CrowdInferencer, inference_counter, init_counter,
                         shipped_model, shipped_models)
from p2r_mm.apis import shipped
from .tiny_counter import (REPO, pattern_count, write_checkpoint,
                           write_config)

spec = importlib.util.spec_from_file_location(
    'publish_model', osp.join(REPO, 'tools', 'model_converters',
                              'publish_model.py'))
publish = importlib.util.module_from_spec(spec)
spec.loader.exec_module(publish)


@pytest.fixture
def published(tmp_path):
    """The pattern checkpoint published as 'tiny' into tmp_path/weights."""
    config = write_config(tmp_path / 'tiny.py', max_size=256)
    ckpt = write_checkpoint(config, tmp_path / 'tiny.pth', pattern=True)
    out = tmp_path / 'weights'
    publish.main([config, ckpt, '--name', 'tiny', '--out-dir', str(out)])
    return out


def test_published_files_hold_weights_and_an_inference_config(published):
    (name, (config, weights)), = shipped_models(str(published)).items()
    assert name == 'tiny' and osp.basename(config) == 'tiny.py'
    assert osp.basename(weights) == \
        f'tiny-{shipped.file_sha256(weights)[:8]}.pth'
    saved = torch.load(weights, weights_only=True)  # plain tensors only
    assert set(saved) == {'state_dict', 'meta'}
    assert saved['meta']['checkpoint'] == 'tiny.pth'
    text = open(config).read()
    # Nothing of the training: no data paths, work dirs or pretrained files.
    for word in ('data_root', 'work_dir', 'init_cfg', 'optim_wrapper',
                 'train_dataloader', 'ResizeLongSide'):
        assert (word in text) == (word == 'ResizeLongSide'), word


def test_a_shipped_name_counts_like_its_checkpoint(published, tmp_path,
                                                   monkeypatch):
    monkeypatch.setattr(shipped, 'WEIGHTS_DIR', str(published))
    image = np.zeros((200, 160, 3), np.uint8)
    by_name = inference_counter(init_counter('tiny'), image)
    assert by_name.pred_count == pattern_count(200, 160)
    monkeypatch.setattr(shipped, 'DEFAULT_MODEL', 'tiny')
    result = CrowdInferencer(show_progress=False)(image)
    assert result['predictions'][0]['count'] == pattern_count(200, 160)


def test_unknown_or_changed_shipped_models_are_refused(published,
                                                       monkeypatch):
    monkeypatch.setattr(shipped, 'WEIGHTS_DIR', str(published))
    with pytest.raises(ValueError, match=r"no shipped model 'nope'.*tiny"):
        init_counter('nope')
    with pytest.raises(ValueError, match='comes with its weights'):
        CrowdInferencer('tiny', 'other.pth')
    _, weights = shipped_model('tiny')
    with open(weights, 'ab') as f:
        f.write(b'\0')
    with pytest.raises(ValueError, match='damaged or changed'):
        shipped_model('tiny')


def test_publishing_refuses_a_bad_name(tmp_path):
    with pytest.raises(SystemExit, match='--name'):
        publish.main(['c.py', 'c.pth', '--name', 'a/b'])


def test_republishing_replaces_and_two_weights_are_refused(published,
                                                           tmp_path):
    (_, (config, first)), = shipped_models(str(published)).items()
    ckpt = write_checkpoint(str(tmp_path / 'tiny.py'), tmp_path / 'b.pth',
                            pattern=False)
    publish.main([str(tmp_path / 'tiny.py'), ckpt, '--name', 'tiny',
                  '--out-dir', str(published)])
    (_, (_, second)), = shipped_models(str(published)).items()
    assert second != first and not osp.exists(first)
    (published / 'tiny-00000000.pth').write_bytes(b'x')
    with pytest.raises(ValueError, match='two weights files'):
        shipped_models(str(published))


def test_config_files_are_not_taken_for_model_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'mine').write_text('')
    for name in ('cfg.py', 'cfg.yaml', 'cfg.json', 'a/b', 'mine'):
        assert not shipped.is_shipped_name(name), name
    assert shipped.is_shipped_name('shb_cpu_demo')


def test_the_shipped_demo_model_counts_a_generated_image(tmp_path):
    """The model in the package (not its accuracy: the benchmark's job)
    loads from plain tensors, within the 5 MB a clone carries, and counts a
    generated crowd through the API and the demo without a config."""
    from p2r_mm.datasets.synthetic import generate_scene
    config, weights = shipped_model()  # the default model, hash checked
    assert osp.getsize(weights) <= 5 * 2**20
    assert set(torch.load(weights, weights_only=True)) == {'state_dict',
                                                            'meta'}
    scene = generate_scene(seed=0, index=0, split='test')
    image = np.ascontiguousarray(scene.image[..., ::-1])  # BGR
    sample = inference_counter(init_counter(device='cpu'), image)
    points = sample.pred_points
    assert sample.pred_count == len(points)
    height, width = image.shape[:2]
    assert ((points >= -0.5) & (points <= torch.tensor(
        [width - 0.5, height - 0.5]))).all()
    photo = tmp_path / 'crowd.png'  # lossless: the same pixels
    import mmcv
    mmcv.imwrite(image, str(photo))
    out = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'demo', 'image_demo.py'),
         str(photo), '--device', 'cpu'], capture_output=True, text=True,
        cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-2000:]
    assert f'crowd.png: {sample.pred_count}' in out.stdout
