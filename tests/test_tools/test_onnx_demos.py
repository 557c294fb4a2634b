"""image_demo.py and video_demo.py given an exported .onnx: the same
counts, points and drawings as with the .pth it came from."""
import csv
import json

import cv2
import numpy as np
import pytest

from ..test_apis.tiny_counter import random_image, write_checkpoint, \
    write_config
from ..test_apis.tiny_onnx import export_onnx, hide_package, run_tool


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A seeded random tiny counter (predictions depend on the pixels) as
    .pth and .onnx, and a folder of generated images."""
    tmp = tmp_path_factory.mktemp('onnx_demos')
    config = write_config(tmp / 'tiny.py')
    pth = write_checkpoint(config, tmp / 'random.pth', False)
    onnx_file = str(tmp / 'random.onnx')
    export_onnx(config, pth, onnx_file)
    folder = tmp / 'images'
    folder.mkdir()
    for k, (h, w) in enumerate([(48, 64), (150, 200), (37, 45)]):
        cv2.imwrite(str(folder / f'{k}.png'), random_image(h, w, seed=k))
    return tmp, config, pth, onnx_file, folder


def read(path):
    with open(path, newline='') as f:
        return list(csv.reader(f))


@pytest.mark.parametrize('tile', [[], ['--tile', '64', '32']])
def test_image_demo_with_onnx_matches_pytorch(tiny, tile):
    tmp, config, pth, onnx_file, folder = tiny
    outs = {}
    for name, ckpt in (('pth', pth), ('onnx', onnx_file)):
        outs[name] = tmp / f'image_{name}_{len(tile)}'
        log = run_tool('tools/demo/image_demo.py', config, ckpt, folder,
                       '--out-dir', outs[name], *tile).stdout
        assert '0.png:' in log
    assert read(outs['onnx'] / 'counts.csv') == read(outs['pth'] /
                                                     'counts.csv')
    preds = [json.loads((outs[n] / 'predictions.json').read_text())
             for n in ('pth', 'onnx')]
    assert preds[0] == preds[1]
    assert sum(p['count'] for p in preds[0].values()) > 0
    for name in ('0.png', '1.png', '2.png'):
        drawn = [cv2.imread(str(outs[n] / 'overlays' / name))
                 for n in ('pth', 'onnx')]
        np.testing.assert_array_equal(drawn[0], drawn[1])


def test_video_demo_with_onnx_matches_pytorch(tiny):
    tmp, config, pth, onnx_file, _ = tiny
    video = str(tmp / 'in.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (96, 64))
    for k in range(4):
        writer.write(random_image(64, 96, seed=10 + k))
    writer.release()
    for name, ckpt in (('pth', pth), ('onnx', onnx_file)):
        log = run_tool('tools/demo/video_demo.py', config, ckpt, video,
                       '--out', tmp / f'video_{name}.mp4').stdout
        assert '4 frames, 4 counted' in log
    assert read(tmp / 'video_onnx.csv') == read(tmp / 'video_pth.csv')
    frames = {}
    for name in ('pth', 'onnx'):
        cap = cv2.VideoCapture(str(tmp / f'video_{name}.mp4'))
        frames[name] = []
        ok, frame = cap.read()
        while ok:
            frames[name].append(frame)
            ok, frame = cap.read()
        cap.release()
    assert len(frames['onnx']) == 4
    np.testing.assert_array_equal(np.stack(frames['onnx']),
                                  np.stack(frames['pth']))


def test_demos_without_the_deploy_extra(tiny):
    tmp, config, _, onnx_file, folder = tiny
    env = hide_package(tmp / 'no_ort', 'onnxruntime')
    out = run_tool('tools/demo/image_demo.py', config, onnx_file,
                   folder / '0.png', ok=False, env=env)
    assert out.stderr.strip().splitlines()[-1].startswith(
        'image_demo.py: error:')
    assert 'Traceback' not in out.stderr
    assert '".[deploy]"' in out.stderr and 'onnxruntime' in out.stderr
