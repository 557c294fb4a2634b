"""tools/demo/image_demo.py and video_demo.py, run as subprocesses with a
tiny counter whose predictions are known (see tests/test_apis)."""
import csv
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from ..test_apis.tiny_counter import (REPO, pattern_count, random_image,
                                      write_checkpoint, write_config)


def run(*args, ok=True):
    # One thread: a tiny model on a busy machine is much faster so.
    env = dict(os.environ, OMP_NUM_THREADS='1')
    out = subprocess.run([sys.executable, *map(str, args)], cwd=REPO,
                         env=env, capture_output=True, text=True,
                         timeout=300)
    assert (out.returncode == 0) == ok, out.stdout + out.stderr[-3000:]
    return out


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('demos')
    config = write_config(tmp / 'tiny.py')
    return tmp, config, write_checkpoint(config, tmp / 'tiny.pth', True)


def read_csv(path):
    with open(path, newline='') as f:
        return list(csv.reader(f))


def test_image_demo_on_one_image_and_no_overwrite(tiny):
    tmp, config, ckpt = tiny
    img = tmp / 'one.png'
    cv2.imwrite(str(img), random_image(48, 64))
    out_dir = tmp / 'out_one'
    demo = ['tools/demo/image_demo.py', config, ckpt]
    log = run(*demo, img, '--out-dir', out_dir).stdout
    assert f'one.png: {pattern_count(48, 64)}' in log  # 6 x 8 = 48
    overlay = cv2.imread(str(out_dir / 'overlays' / 'one.png'))
    assert overlay.shape == (48, 64, 3)
    assert read_csv(out_dir / 'counts.csv') == [['image', 'count'],
                                                ['one.png', '48']]
    preds = json.loads((out_dir / 'predictions.json').read_text())
    assert preds['one.png']['count'] == 48
    assert np.array(preds['one.png']['points']).shape == (48, 2)

    refused = run(*demo, img, '--out-dir', out_dir, ok=False)
    assert 'already exist' in refused.stderr
    assert '--overwrite' in refused.stderr
    run(*demo, img, '--out-dir', out_dir, '--overwrite', '--no-overlay')

    (tmp / 'bad.png').write_bytes(b'not an image')
    failed = run(*demo, tmp / 'bad.png', ok=False)
    assert 'bad.png' in failed.stderr and 'Traceback' not in failed.stderr


def test_image_demo_on_a_folder_skips_corrupt_images(tiny):
    tmp, config, ckpt = tiny
    folder = tmp / 'folder'
    folder.mkdir()
    cv2.imwrite(str(folder / 'a.png'), random_image(48, 64))
    (folder / 'b.jpg').write_bytes(np.random.default_rng(0).bytes(300))
    cv2.imwrite(str(folder / 'c.jpg'), random_image(32, 40))
    (folder / 'notes.txt').write_text('not an image extension')
    out_dir = tmp / 'new' / 'out_folder'  # created by the tool
    log = run('tools/demo/image_demo.py', config, ckpt, folder,
              '--out-dir', out_dir).stdout
    assert 'a.png: 48' in log and f'c.jpg: {pattern_count(32, 40)}' in log
    assert 'skipped 1 unreadable image' in log and 'b.jpg' in log
    assert sorted(os.listdir(out_dir / 'overlays')) == ['a.png', 'c.jpg']
    assert read_csv(out_dir / 'counts.csv')[1:] == [['a.png', '48'],
                                                    ['c.jpg', '20']]
    assert set(json.loads((out_dir / 'predictions.json').read_text())) \
        == {'a.png', 'c.jpg'}


def test_video_demo(tiny):
    tmp, config, ckpt = tiny
    video = str(tmp / 'in.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (64, 48))
    for k in range(5):
        writer.write(random_image(48, 64, seed=k))
    writer.release()
    out = tmp / 'video_out' / 'counted.mp4'
    log = run('tools/demo/video_demo.py', config, ckpt, video, '--out',
              out).stdout
    assert '5 frames, 5 counted' in log
    cap = cv2.VideoCapture(str(out))
    frames = 0
    while cap.read()[0]:
        frames += 1
    cap.release()
    assert frames == 5
    rows = read_csv(tmp / 'video_out' / 'counted.csv')
    assert rows[0] == ['frame', 'time_s', 'count']
    assert rows[1:] == [[str(k), f'{k / 10:.3f}', '48'] for k in range(5)]

    refused = run('tools/demo/video_demo.py', config, ckpt, video, '--out',
                  out, ok=False)
    assert 'already exists' in refused.stderr
    bad = tmp / 'bad.mp4'
    bad.write_bytes(np.random.default_rng(0).bytes(1000))
    failed = run('tools/demo/video_demo.py', config, ckpt, bad, '--out',
                 tmp / 'x.mp4', ok=False)
    assert 'cannot read video' in failed.stderr and 'bad.mp4' in failed.stderr
