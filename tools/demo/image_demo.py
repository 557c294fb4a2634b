"""Count people in an image or a folder of images with
:class:`p2r_mm.apis.CrowdInferencer`.

python tools/demo/image_demo.py [CONFIG CHECKPOINT] INPUT [--out-dir DIR]
    [--model NAME]

Without CONFIG and CHECKPOINT it counts with the model shipped in the
package (``--model``, default ``shb_cpu_demo``: docs/model_zoo.md).
CHECKPOINT may be an exported .onnx file (onnxruntime backend).

Prints the count of every image; with ``--out-dir`` also writes
``overlays/<image name>`` (predicted heads drawn), ``counts.csv``
(image,count) and ``predictions.json`` ({image: {count, points}}, points
(x, y) in original-image pixels). Ctrl-C (or SIGTERM) stops after the
image being counted (a second one at once) and still writes the tables,
with the images counted so far.
"""
import argparse
import csv
import json
import os
import os.path as osp
import sys

import numpy as np

# Its module stop_signals.py beside it, also when it is loaded by path.
HERE = osp.dirname(osp.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Count people in an image or a folder of images')
    parser.add_argument(
        'args', nargs='+', metavar='[CONFIG CHECKPOINT] INPUT',
        help='a config file and its checkpoint (.pth, or an exported .onnx '
        'to run with onnxruntime: needs the deploy extra), then an image '
        'or a folder (its images, by extension); without the first two, '
        'the shipped model counts')
    parser.add_argument(
        '--model', help='a model shipped in the package (default: '
        'shb_cpu_demo), when no CONFIG and CHECKPOINT are given')
    parser.add_argument(
        '--out-dir', help='write overlays/, counts.csv and predictions.json '
        'here (created if missing); without it counts are only printed')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    parser.add_argument(
        '--tile', nargs=2, type=int, metavar=('SIZE', 'OVERLAP'),
        help='predict large images tile by tile (pixels, multiples of 32)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace outputs already in --out-dir')
    parser.add_argument('--no-overlay', action='store_true',
                        help='do not draw the overlays')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow checkpoints that need more than plain data to load '
        '(arbitrary code execution: only for files you trust)')
    args = parser.parse_args()
    if len(args.args) not in (1, 3):
        parser.error('give INPUT, or CONFIG CHECKPOINT INPUT')
    if len(args.args) == 3 and args.model:
        parser.error('--model is for the shipped models, without CONFIG '
                     'and CHECKPOINT')
    *model, args.input = args.args
    args.config, args.checkpoint = model or (args.model, None)
    return args


def fail(message: str):
    raise SystemExit(f'image_demo.py: error: {message}')


def list_images(path: str):
    """(image paths, whether INPUT was a single file)."""
    if osp.isfile(path):
        return [path], True
    if not osp.isdir(path):
        fail(f'no such image or folder: {path!r}')
    names = sorted(n for n in os.listdir(path)
                   if n.lower().endswith(IMG_EXTENSIONS)
                   and osp.isfile(osp.join(path, n)))
    if not names:
        fail(f'no images ({", ".join(IMG_EXTENSIONS)}) in {path!r}')
    return [osp.join(path, n) for n in names], False


def check_outputs(args, names):
    """Refuse, before any work, to replace earlier results."""
    planned = [osp.join(args.out_dir, f)
               for f in ('counts.csv', 'predictions.json')]
    if not args.no_overlay:
        planned += [osp.join(args.out_dir, 'overlays', n) for n in names]
    existing = [p for p in planned if osp.exists(p)]
    if existing and not args.overwrite:
        fail(f'{len(existing)} output file(s) already exist in '
             f'{args.out_dir!r} (e.g. {existing[0]!r}); pass --overwrite '
             'to replace them or choose another --out-dir')


def check_image(path: str) -> None:
    """Decode ``path`` as the inferencer will (LoadCrowdImage); OSError /
    ValueError naming the file if it is missing, undecodable or cut short
    (a decoder fills a truncated JPEG in with grey)."""
    from p2r_mm.datasets.transforms import LoadCrowdImage
    LoadCrowdImage()(dict(img_path=path))


def count_image(inferencer, images, batch, overlays: str) -> dict:
    """``dict(count, points)`` of one image that the inferencer has read
    (``images, batch``: from its ``preprocess``), drawn into ``overlays``
    (if not '') under its file name. The inferencer's stages are called
    one by one so that only reading can make an image 'unreadable'."""
    preds = inferencer.forward(batch)
    drawn = inferencer.visualize(images, preds, img_out_dir=overlays)
    result = inferencer.postprocess(preds, drawn)['predictions'][0]
    return dict(count=result['count'],
                points=np.round(result['points'], 2).tolist())


def write_tables(out_dir: str, results: dict) -> None:
    with open(osp.join(out_dir, 'counts.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['image', 'count'])
        writer.writerows((n, r['count']) for n, r in results.items())
    with open(osp.join(out_dir, 'predictions.json'), 'w') as f:
        json.dump(results, f)


def main():
    args = parse_args()
    paths, single = list_images(args.input)
    names = [osp.basename(p) for p in paths]
    if args.out_dir is not None:
        check_outputs(args, names)
    if single:  # fail before the model loads
        try:
            check_image(paths[0])
        except (OSError, ValueError) as e:
            fail(str(e))
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
    draw = args.out_dir is not None and not args.no_overlay
    overlays = osp.join(args.out_dir, 'overlays') if draw else ''
    if args.out_dir is not None:
        os.makedirs(overlays or args.out_dir, exist_ok=True)
    bar = None if single else ProgressBar(len(paths), file=sys.stderr)
    results, skipped, interrupted = {}, [], False
    with StopSignals() as stop:
        try:
            for path, name in zip(paths, names):
                if stop.requested:
                    break
                try:
                    images, batch = next(inferencer.preprocess([path]))
                except (OSError, ValueError) as e:
                    skipped.append((name, str(e)))
                else:
                    results[name] = count_image(inferencer, images, batch,
                                                overlays)
                if bar is not None:
                    bar.update()
        except KeyboardInterrupt:  # a second signal: stop at once
            interrupted = True
        except Exception:  # out of memory, a device error, ...
            if args.out_dir is not None and results:
                write_tables(args.out_dir, results)
                sys.stderr.write(
                    f'\nimage_demo.py: {args.out_dir} holds the '
                    f'{len(results)} images counted before this error\n')
            raise
        interrupted = interrupted or stop.requested
    if bar is not None:
        sys.stderr.write('\n')

    for name, result in results.items():
        print(f'{name}: {result["count"]}')
    if args.out_dir is not None:
        write_tables(args.out_dir, results)
        print(f'results written to {args.out_dir}')
    if skipped:
        print(f'skipped {len(skipped)} unreadable image(s):')
        for name, reason in skipped:
            print(f'  {name}: {reason}')
    if interrupted:
        print(f'interrupted after {len(results) + len(skipped)} of '
              f'{len(paths)} images, {len(results)} counted')
    elif not results:
        fail('no image could be read')


if __name__ == '__main__':
    main()
