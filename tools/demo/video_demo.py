"""Count people in the frames of a video.

python tools/demo/video_demo.py CONFIG CHECKPOINT VIDEO --out OUT.mp4

CHECKPOINT may be an exported .onnx file (onnxruntime backend).

Writes OUT.mp4 (every frame, with the predicted heads and the count drawn)
and a CSV of ``frame,time_s,count`` (one row per counted frame).
"""
import argparse
import csv
import os
import os.path as osp
import sys

import cv2


def parse_args():
    parser = argparse.ArgumentParser(
        description='Count people in the frames of a video')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        'checkpoint', help='checkpoint file (.pth), or an exported .onnx '
        'to run with onnxruntime (needs the deploy extra)')
    parser.add_argument('video', help='input video (anything OpenCV reads)')
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
    parser.add_argument('--overwrite', action='store_true',
                        help='replace existing output files')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow checkpoints that need more than plain data to load '
        '(arbitrary code execution: only for files you trust)')
    args = parser.parse_args()
    if args.every < 1:
        parser.error('--every must be >= 1')
    if args.csv is None:
        args.csv = osp.splitext(args.out)[0] + '.csv'
    return args


def fail(message: str):
    raise SystemExit(f'video_demo.py: error: {message}')


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


def main():
    args = parse_args()
    if not osp.isfile(args.video):
        fail(f'no such video file: {args.video!r}')
    existing = [p for p in (args.out, args.csv) if osp.exists(p)]
    if existing and not args.overwrite:
        fail(f'{existing[0]!r} already exists; pass --overwrite to '
             'replace it')
    cap = cv2.VideoCapture(args.video)
    ok, frame = cap.read() if cap.isOpened() else (False, None)
    if not ok:
        fail(f'cannot read video {args.video!r} (corrupt, empty or a '
             'codec OpenCV lacks?)')
    fps = cap.get(cv2.CAP_PROP_FPS)
    if not fps > 0:  # also NaN: some containers do not store it
        print(f'{args.video}: unknown frame rate, assuming 25 fps')
        fps = 25.0
    n_frames = max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
    # Heavy imports after the checks, so a refused run answers at once.
    from mmengine.utils import ProgressBar

    from p2r_mm.apis import inference_counter, init_counter
    from p2r_mm.utils import TRUST_ENV
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'

    try:
        model = init_counter(args.config, args.checkpoint,
                             device=args.device, tile=args.tile)
    except (ImportError, ValueError) as e:  # a missing extra, a bad .onnx
        fail(str(e))
    for path in (args.out, args.csv):
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    h, w = frame.shape[:2]
    writer = cv2.VideoWriter(args.out, cv2.VideoWriter_fourcc(*'mp4v'),
                             fps, (w, h))
    if not writer.isOpened():
        fail(f'cannot write video {args.out!r}')
    bar = ProgressBar(n_frames, file=sys.stderr)  # 0: count only
    counts = []
    with open(args.csv, 'w', newline='') as f:
        table = csv.writer(f)
        table.writerow(['frame', 'time_s', 'count'])
        index = 0
        while ok:
            if index % args.every == 0:
                sample = inference_counter(model, frame)
                points = sample.pred_points.cpu().numpy()
                counts.append(int(sample.pred_count))
                table.writerow([index, f'{index / fps:.3f}', counts[-1]])
            draw(frame, points, counts[-1])
            writer.write(frame)
            bar.update()
            ok, frame = cap.read()
            index += 1
    cap.release()
    writer.release()
    sys.stderr.write('\n')
    print(f'{index} frames, {len(counts)} counted, mean count '
          f'{sum(counts) / len(counts):.1f}; wrote {args.out} and '
          f'{args.csv}')


if __name__ == '__main__':
    main()
