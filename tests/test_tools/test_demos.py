"""tools/demo/image_demo.py and video_demo.py, run as subprocesses with a
tiny counter whose predictions are known (see tests/test_apis)."""
import csv
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time

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
    # A JPEG cut short decodes with grey rows: refused, not counted.
    whole = cv2.imencode('.jpg', random_image(48, 64))[1].tobytes()
    (tmp / 'cut.jpg').write_bytes(whole[:len(whole) // 2])
    failed = run(*demo, tmp / 'cut.jpg', ok=False)
    assert "Image file '" in failed.stderr and 'cut.jpg' in failed.stderr
    # A checkpoint that is not there: a message, not a traceback.
    failed = run('tools/demo/image_demo.py', config, tmp / 'gone.pth', img,
                 ok=False)
    assert 'image_demo.py: error:' in failed.stderr and 'gone.pth' in \
        failed.stderr and 'Traceback' not in failed.stderr


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
    assert not (tmp / 'x.mp4').exists() and not (tmp / 'x.csv').exists()


def write_video(path, n, fps=10):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (64, 48))
    for k in range(n):
        writer.write(random_image(48, 64, seed=k))
    writer.release()


def count_frames(path):
    cap = cv2.VideoCapture(str(path))
    frames = 0
    while cap.read()[0]:
        frames += 1
    cap.release()
    return frames


def test_video_demo_reads_a_stream_url(tiny):
    tmp, config, ckpt = tiny
    video = tmp / 'stream.mp4'
    write_video(video, 4)
    out = tmp / 'stream_out' / 'counted.mp4'
    url = video.resolve().as_uri()  # file:///...: a URL OpenCV opens
    log = run('tools/demo/video_demo.py', config, ckpt, url, '--out', out,
              '--max-dropped', '2', '--retry-wait', '0.01').stdout
    assert 'processed 4 frames, 4 counted' in log
    assert count_frames(out) == 4
    rows = read_csv(out.with_suffix('.csv'))[1:]
    assert [r[0] for r in rows] == ['0', '1', '2', '3']
    assert all(r[2] == '48' for r in rows)
    # A live source's time is the wall clock since its first frame.
    times = [float(r[1]) for r in rows]
    assert times[0] == 0 and times == sorted(times)
    failed = run('tools/demo/video_demo.py', config, ckpt,
                 'rtsp://127.0.0.1:9/none', '--out', tmp / 'x.mp4',
                 '--max-dropped', '1', ok=False)
    assert "cannot read stream 'rtsp://127.0.0.1:9/none'" in failed.stderr
    assert not (tmp / 'x.mp4').exists() and not (tmp / 'x.csv').exists()


class FakeCapture:
    """A camera whose reads fail where ``script`` says None, and that is
    interrupted (Ctrl-C) when the script runs out; ``on_read`` is called
    before every read. It reports ``fps`` (cameras often report none)."""

    def __init__(self, script, on_read, fps=0.0):
        self.script = list(script)
        self.on_read = on_read
        self.fps = fps
        self.released = False

    def isOpened(self):
        return True

    def read(self):
        self.on_read()
        if not self.script:
            raise KeyboardInterrupt
        frame = self.script.pop(0)
        return frame is not None, frame

    def get(self, prop):
        return self.fps if prop == cv2.CAP_PROP_FPS else 0.0

    def release(self):
        self.released = True


def load_video_demo():
    spec = importlib.util.spec_from_file_location(
        'video_demo', os.path.join(REPO, 'tools', 'demo', 'video_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_video_demo_survives_drops_and_keeps_what_it_has_on_ctrl_c(
        tiny, monkeypatch, capsys):
    tmp, config, ckpt = tiny
    demo = load_video_demo()
    out = tmp / 'camera' / 'cam.mp4'
    csv_path = tmp / 'camera' / 'cam.csv'
    frames = [random_image(48, 64, seed=k) for k in range(5)]
    # Frame 0, two failed reads, frames 1-2, one failed read, frames 3-4,
    # then Ctrl-C.
    script = [frames[0], None, None, frames[1], frames[2], None, frames[3],
              frames[4]]
    rows_seen = []

    def on_read():
        # What a reader of the CSV sees while the demo runs: flushed rows.
        if csv_path.exists():
            rows_seen.append(len(read_csv(csv_path)) - 1)

    capture = FakeCapture(script, on_read)
    opened = []
    monkeypatch.setattr(demo, 'open_capture',
                        lambda source: opened.append(source) or capture)
    demo.main([config, ckpt, '0', '--out', str(out), '--retry-wait', '0'])
    printed = capsys.readouterr()
    assert opened == [0]  # a camera index
    assert 'interrupted after 5 frames, 5 counted, 3 unreadable skipped' \
        in printed.out
    assert '2 frame(s) could not be read before frame 1; skipped' \
        in printed.err
    assert '1 frame(s) could not be read before frame 3; skipped' \
        in printed.err
    assert capture.released
    # Before every read after the first, the CSV on disk already holds a
    # row for each frame counted so far (failed reads see the same rows).
    assert rows_seen == [1, 1, 1, 2, 3, 3, 4, 5]
    rows = read_csv(csv_path)
    assert rows[0] == ['frame', 'time_s', 'count']
    assert [r[0] for r in rows[1:]] == ['0', '1', '2', '3', '4']
    assert count_frames(out) == 5  # the video was closed properly


def test_video_demo_ends_a_stream_after_max_dropped_reads(tiny, monkeypatch,
                                                          capsys):
    tmp, config, ckpt = tiny
    demo = load_video_demo()
    frames = [random_image(48, 64, seed=k) for k in range(2)]
    capture = FakeCapture(frames + [None] * 3, lambda: None)
    monkeypatch.setattr(demo, 'open_capture', lambda source: capture)
    out = tmp / 'ended' / 'cam.mp4'
    demo.main([config, ckpt, 'rtsp://camera/1', '--out', str(out),
               '--max-dropped', '3', '--retry-wait', '0'])
    assert 'processed 2 frames, 2 counted' in capsys.readouterr().out
    assert count_frames(out) == 2



def test_video_demo_takes_a_clock_rate_for_unknown_and_fits_resized_frames(
        tiny, monkeypatch, capsys):
    """An RTSP camera reporting its 90 kHz clock as the frame rate, whose
    stream changes resolution after its first frame."""
    tmp, config, ckpt = tiny
    demo = load_video_demo()
    frames = [random_image(48, 64), random_image(32, 40, seed=1),
              random_image(48, 64, seed=2)]
    capture = FakeCapture(frames + [None], lambda: None, fps=90000.0)
    monkeypatch.setattr(demo, 'open_capture', lambda source: capture)
    out = tmp / 'resized' / 'cam.mp4'
    demo.main([config, ckpt, 'rtsp://camera/2', '--out', str(out),
               '--max-dropped', '1', '--retry-wait', '0'])
    printed = capsys.readouterr()
    assert 'frame rate 90000 unknown or implausible, writing at 25 fps' \
        in printed.out
    assert 'frame 1 is 40x32, the video 64x48' in printed.err
    assert 'processed 3 frames, 3 counted, 1 resized to 64x48' in printed.out
    assert count_frames(out) == 3  # none dropped by the writer
    cap = cv2.VideoCapture(str(out))
    assert cap.get(cv2.CAP_PROP_FPS) == 25
    cap.release()
    # The count is the resized frame's own, before fitting.
    rows = read_csv(out.with_suffix('.csv'))[1:]
    assert [r[2] for r in rows] == ['48', str(pattern_count(32, 40)), '48']


def test_image_demo_keeps_the_counts_before_an_error(tiny, monkeypatch,
                                                     capsys):
    """An error in the middle of a folder (out of memory, a device error)
    still leaves the tables of the images counted before it."""
    tmp, config, ckpt = tiny
    spec = importlib.util.spec_from_file_location(
        'image_demo', os.path.join(REPO, 'tools', 'demo', 'image_demo.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    folder = tmp / 'err_folder'
    folder.mkdir()
    for k in range(3):
        cv2.imwrite(str(folder / f'{k}.png'), random_image(48, 64, k))
    from p2r_mm.apis import CrowdInferencer
    real, calls = CrowdInferencer.forward, []

    def failing_third(self, data, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError('out of memory (simulated)')
        return real(self, data, **kwargs)

    monkeypatch.setattr(CrowdInferencer, 'forward', failing_third)
    out_dir = tmp / 'err_out'
    monkeypatch.setattr(sys, 'argv', ['image_demo.py', config, ckpt,
                                      str(folder), '--out-dir',
                                      str(out_dir)])
    with pytest.raises(RuntimeError, match='simulated'):
        demo.main()
    assert 'holds the 2 images counted before this error' in \
        capsys.readouterr().err
    assert read_csv(out_dir / 'counts.csv')[1:] == [['0.png', '48'],
                                                    ['1.png', '48']]

def interrupt_when(args, ready, sig):
    """Run a demo (``args`` after the interpreter), send it ``sig`` once
    ``ready()`` holds, and return (stdout, stderr) after asserting that it
    exited with status 0."""
    def default_sigint():  # pytest's parent may run with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    child = subprocess.Popen(
        [sys.executable, *map(str, args)], cwd=REPO,
        env=dict(os.environ, OMP_NUM_THREADS='1'), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    try:
        deadline = time.monotonic() + 240
        while not ready():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, 'not ready after 240 s'
            time.sleep(0.05)
        child.send_signal(sig)
        stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, stdout + stderr[-3000:]
    return stdout, stderr


SIGNALS = pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM],
                                  ids=['SIGINT', 'SIGTERM'])


@SIGNALS
def test_video_demo_stops_cleanly_on_a_real_signal(tiny, sig):
    """A real Ctrl-C (SIGINT) or ``kill`` (SIGTERM) to a running demo: it
    stops after the frame it is on and leaves a video and a CSV that hold
    the same frames its summary reports."""
    tmp, config, ckpt = tiny
    video = tmp / f'long_{sig.name}.mp4'
    write_video(video, 3000)
    out = tmp / f'signal_{sig.name}' / 'counted.mp4'
    csv_path = out.with_suffix('.csv')
    stdout, stderr = interrupt_when(
        ['tools/demo/video_demo.py', config, ckpt, video, '--out', out],
        lambda: csv_path.exists() and len(read_csv(csv_path)) > 4, sig)
    found = re.search(r'interrupted after (\d+) frames, (\d+) counted',
                      stdout)
    assert found, stdout + stderr[-3000:]
    frames, counted = map(int, found.groups())
    assert 4 <= frames < 3000 and counted == frames
    rows = read_csv(csv_path)[1:]
    assert [int(r[0]) for r in rows] == list(range(counted))
    assert count_frames(out) == frames  # closed properly, nothing lost


@SIGNALS
def test_image_demo_on_a_folder_keeps_what_it_counted_on_a_real_signal(
        tiny, sig):
    """Interrupted in the middle of a folder, the image demo still writes
    counts.csv and predictions.json, for exactly the images it counted
    (and drew)."""
    tmp, config, ckpt = tiny
    folder = tmp / f'many_{sig.name}'
    folder.mkdir()
    total = 400
    for k in range(total):
        cv2.imwrite(str(folder / f'{k:03d}.png'), random_image(48, 64, k))
    out_dir = tmp / f'many_out_{sig.name}'
    overlays = out_dir / 'overlays'
    stdout, stderr = interrupt_when(
        ['tools/demo/image_demo.py', config, ckpt, folder, '--out-dir',
         out_dir],
        lambda: overlays.is_dir() and len(os.listdir(overlays)) >= 3, sig)
    found = re.search(rf'interrupted after (\d+) of {total} images, (\d+) '
                      'counted', stdout)
    assert found, stdout + stderr[-3000:]
    done, counted = map(int, found.groups())
    assert 3 <= done < total and counted == done
    names = [f'{k:03d}.png' for k in range(counted)]  # in sorted order
    assert read_csv(out_dir / 'counts.csv')[1:] == [[n, '48'] for n in names]
    assert list(json.loads((out_dir / 'predictions.json').read_text())) \
        == names
    assert sorted(os.listdir(overlays)) == names
