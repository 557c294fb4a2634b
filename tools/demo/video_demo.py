"""Count people in the frames of a video, a camera or a stream with
:class:`p2r_mm.apis.CrowdInferencer`.

python tools/demo/video_demo.py [CONFIG CHECKPOINT] SOURCE --out OUT.mp4
    [--model NAME]

Without CONFIG and CHECKPOINT it counts with the model shipped in the
package (``--model``, default ``shb_cpu_demo``: docs/model_zoo.md).

SOURCE is a video file, a camera index (``0``) or a stream URL
(``rtsp://...``, ``http://...``: anything OpenCV's VideoCapture opens).
CHECKPOINT may be an exported .onnx file (onnxruntime backend).

Writes OUT.mp4 (every frame, with the predicted heads and the count drawn)
and a CSV of ``frame,time_s,count`` (one row per counted frame, flushed as
it is written). ``time_s`` is the frame's position in a file, the seconds
since the first frame for a camera or stream. Runs to the end of the
video or stream, or until Ctrl-C (or SIGTERM), which stops after the frame
being counted (a second one at once), and then closes both files with what
was processed. A frame that cannot be read is skipped with a
warning; ``--max-dropped`` failed reads in a row end the stream.
"""
import argparse
import csv
import os
import os.path as osp
import sys
import time

import cv2
import numpy as np

# Its module stop_signals.py beside it, also when it is loaded by path.
HERE = osp.dirname(osp.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


# Above this a reported frame rate is taken for a clock, not frames.
MAX_FPS = 240


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Count people in the frames of a video, a camera or a '
        'stream')
    parser.add_argument(
        'args', nargs='+', metavar='[CONFIG CHECKPOINT] SOURCE',
        help='a config file and its checkpoint (.pth, or an exported .onnx '
        'to run with onnxruntime: needs the deploy extra), then a video '
        'file, camera index (0, 1, ...) or stream URL (anything OpenCV\'s '
        'VideoCapture opens); without the first two, the shipped model '
        'counts')
    parser.add_argument(
        '--model', help='a model shipped in the package (default: '
        'shb_cpu_demo), when no CONFIG and CHECKPOINT are given')
    parser.add_argument('--out', required=True,
                        help='output video (.mp4, mp4v codec)')
    parser.add_argument(
        '--csv', help='per-frame counts (default: OUT with .csv)')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    parser.add_argument(
        '--tile', nargs=2, type=int, metavar=('SIZE', 'OVERLAP'),
        help='predict large frames tile by tile (pixels, multiples of 32)')
    parser.add_argument(
        '--every', type=int, default=1, metavar='N',
        help='count every N-th frame; the frames between show the last '
        'count and points, and get no CSV row (default: 1)')
    parser.add_argument(
        '--max-dropped', type=int, default=25, metavar='N',
        help='failed reads in a row after which the video or stream '
        'counts as ended (default: 25)')
    parser.add_argument(
        '--retry-wait', type=float, default=0.2, metavar='S',
        help='seconds a camera or stream is given between failed reads '
        '(default: 0.2; files are read again at once)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace existing output files')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow checkpoints that need more than plain data to load '
        '(arbitrary code execution: only for files you trust)')
    args = parser.parse_args(argv)
    if len(args.args) not in (1, 3):
        parser.error('give SOURCE, or CONFIG CHECKPOINT SOURCE')
    if len(args.args) == 3 and args.model:
        parser.error('--model is for the shipped models, without CONFIG '
                     'and CHECKPOINT')
    *model, args.video = args.args
    args.config, args.checkpoint = model or (args.model, None)
    if args.every < 1 or args.max_dropped < 1:
        parser.error('--every and --max-dropped must be >= 1')
    if args.csv is None:
        args.csv = osp.splitext(args.out)[0] + '.csv'
    return args


def fail(message: str):
    raise SystemExit(f'video_demo.py: error: {message}')


def warn(message: str) -> None:
    sys.stderr.write(f'\nvideo_demo.py: warning: {message}\n')


def parse_source(text: str):
    """A camera index (int) for digits, else the file path or URL."""
    return int(text) if text.isdigit() else text


def is_live(source) -> bool:
    """Cameras and URLs: frames arrive in real time and may drop."""
    return isinstance(source, int) or '://' in source


def describe(source) -> str:
    if isinstance(source, int):
        return f'camera {source}'
    return f'stream {source!r}' if is_live(source) else f'video {source!r}'


def open_capture(source):
    """OpenCV's capture of ``source`` (tests replace it)."""
    return cv2.VideoCapture(source)


class FrameReader:
    """The frames of a capture, surviving failed reads.

    A failed read is retried (after ``retry_wait`` seconds for a live
    source); when a frame comes again, the skipped reads are reported as
    dropped frames. ``max_dropped`` failures in a row mean the end of the
    video or stream; so does the callable ``stopped`` (set by the caller,
    e.g. to a Ctrl-C request) turning true between retries.
    """

    def __init__(self, cap, live: bool, max_dropped: int,
                 retry_wait: float) -> None:
        self.cap = cap
        self.stopped = lambda: False
        self.live = live
        self.max_dropped = max_dropped
        self.retry_wait = retry_wait
        self.dropped = 0  # in total
        self.frames = 0  # delivered so far

    def read(self):
        """The next BGR frame, or None at the end."""
        failures = 0
        while failures < self.max_dropped and not self.stopped():
            ok, frame = self.cap.read()
            if ok and frame is not None:
                if failures:
                    self.dropped += failures
                    warn(f'{failures} frame(s) could not be read before '
                         f'frame {self.frames}; skipped')
                self.frames += 1
                return frame
            failures += 1
            if self.live:
                time.sleep(self.retry_wait)
        return None


def draw(frame, points, count: int) -> None:
    """Draw points ((N, 2) x, y pixels) and the count on a BGR frame, in
    place. cv2 rather than the matplotlib visualiser: this runs per frame.
    """
    h, w = frame.shape[:2]
    radius = max(2, round(0.004 * (h * h + w * w)**0.5))
    for x, y in points.round().astype(int):
        cv2.circle(frame, (int(x), int(y)), radius, (0, 0, 255), -1)
    text = f'Count {count}'
    scale = max(0.4, h / 720)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale,
                                     1)
    cv2.rectangle(frame, (0, 0), (tw + 8, th + base + 8), (0, 0, 0), -1)
    cv2.putText(frame, text, (4, th + 4), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (255, 255, 255), 1, cv2.LINE_AA)


def main(argv=None):
    args = parse_args(argv)
    source = parse_source(args.video)
    live = is_live(source)
    if not live and not osp.isfile(source):
        fail(f'no such video file: {source!r}')
    existing = [p for p in (args.out, args.csv) if osp.exists(p)]
    if existing and not args.overwrite:
        fail(f'{existing[0]!r} already exists; pass --overwrite to '
             'replace it')
    cap = open_capture(source)
    reader = FrameReader(cap, live, args.max_dropped, args.retry_wait)
    frame = reader.read() if cap.isOpened() else None
    if frame is None:
        cap.release()
        fail(f'cannot read {describe(source)}' + (
            ' (no frame came)' if live else
            ' (corrupt, empty or a codec OpenCV lacks?)'))
    fps = cap.get(cv2.CAP_PROP_FPS)
    # Also NaN: some containers and cameras do not say; some RTSP cameras
    # report their 90 kHz clock, which no mp4 writer takes (max 65535).
    if not 0 < fps <= MAX_FPS:
        print(f'{describe(source)}: frame rate {fps:g} unknown or '
              'implausible, writing at 25 fps')
        fps = 25.0
    n_frames = 0 if live else max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
    # Heavy imports after the checks, so a refused run answers at once.
    from mmengine.utils import ProgressBar

    from p2r_mm.apis import INIT_COUNTER_ERRORS, CrowdInferencer
    from p2r_mm.utils import TRUST_ENV
    from stop_signals import StopSignals
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'

    try:
        inferencer = CrowdInferencer(args.config, args.checkpoint,
                                     device=args.device, tile=args.tile,
                                     show_progress=False)
    except INIT_COUNTER_ERRORS as e:
        fail(str(e))
    for path in (args.out, args.csv):
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    h, w = frame.shape[:2]
    writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*'mp4v'),
                             fps, (w, h))
    if not writer.isOpened():
        cap.release()
        fail(f'cannot write video {args.out!r}')
    stop = StopSignals()
    reader.stopped = lambda: stop.requested  # no retrying once asked
    bar = ProgressBar(n_frames, file=sys.stderr)  # 0: count only
    counts, index, interrupted, resized = [], 0, False, 0
    start = time.monotonic()
    with open(args.csv, 'w', newline='') as f, stop:
        table = csv.writer(f)
        table.writerow(['frame', 'time_s', 'count'])
        f.flush()
        try:
            while frame is not None and not stop.requested:
                if index % args.every == 0:
                    stamp = time.monotonic() - start if live else index / fps
                    result = inferencer(frame)['predictions'][0]
                    points = np.asarray(result['points']).reshape(-1, 2)
                    counts.append(result['count'])
                    table.writerow([index, f'{stamp:.3f}', counts[-1]])
                    f.flush()  # a reader of the CSV sees every count
                draw(frame, points, counts[-1])
                if frame.shape[:2] != (h, w):  # the stream changed size
                    if not resized:
                        warn(f'frame {index} is {frame.shape[1]}x'
                             f'{frame.shape[0]}, the video {w}x{h}: such '
                             'frames are resized to fit it')
                    resized += 1
                    frame = cv2.resize(frame, (w, h))
                writer.write(frame)
                bar.update()
                index += 1
                frame = reader.read()
        except KeyboardInterrupt:  # a second signal, or one from a library
            interrupted = True
        finally:
            cap.release()
            writer.release()
        interrupted = interrupted or stop.requested
    sys.stderr.write('\n')
    how = 'interrupted after' if interrupted else 'processed'
    notes = f', {reader.dropped} unreadable skipped' if reader.dropped \
        else ''
    if resized:
        notes += f', {resized} resized to {w}x{h}'
    print(f'{how} {index} frames, {len(counts)} counted{notes}, mean '
          f'count {sum(counts) / max(len(counts), 1):.1f}; wrote '
          f'{args.out} and {args.csv}')


if __name__ == '__main__':
    main()
