"""How tight the PSAMs of several trained counters are, over a set of images.

Usage:
    python tools/analysis_tools/psam_spreads.py
        --runs NAME=CONFIG=CHECKPOINT [NAME=CONFIG=CHECKPOINT ...]
        --images IMG [IMG ...] [--top-k 5] [--layer neck] [--radius R]
        [--chunk-size 16] [--device cpu] [--trust-checkpoint]
        [--json docs/psam_spreads.json]
        [--figure docs/images/psam.jpg [--figure-image IMG]]

For each run and image, the PSAMs of the ``--top-k`` cells of highest logit
(as ``tools/analysis_tools/psam.py --top-k K`` computes them) and their two
spread numbers: ``mass_within`` (the fraction of the map within r of the
head; r is each head's P2R radius among the predicted points unless
``--radius`` is given) and ``effective_area`` (pixels of the network
input). Prints one row per run with the means over all its queried heads;
``--json`` also keeps every head's numbers and each image's predicted
count. ``--figure`` draws one image (``--figure-image``, default the
first of ``--images``) once per run, side by side: the PSAMs of the run's
top-k heads, each scaled to its maximum, merged by their pixel-wise
maximum, every query marked and the most confident one's mass_within
circle drawn, under a title with the run's name and that image's spread
means. The PSAM table of docs/user_guides/analysis_tools.md is rendered
from that file
(``tools/misc/readme_tables.py``); give paths relative to the repository
for a file to commit.
"""
import argparse
import json
import math
import os
import os.path as osp

from p2r_mm.utils import TRUST_ENV


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', nargs='+', required=True,
                        metavar='NAME=CONFIG=CHECKPOINT')
    parser.add_argument('--images', nargs='+', required=True)
    parser.add_argument('--top-k', type=int, default=5)
    parser.add_argument('--layer', default='neck')
    parser.add_argument('--radius', type=float,
                        help='mass_within radius, pixels (default: each '
                        "head's P2R radius)")
    parser.add_argument('--chunk-size', type=int, default=16)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow checkpoints that need more than plain '
                        'data to load (only for files you trust)')
    parser.add_argument('--json', help='write the results here')
    parser.add_argument('--figure', help='write the side-by-side PSAM '
                        'figure here (.jpg, .png)')
    parser.add_argument('--figure-image',
                        help='the image of --figure (one of --images; '
                        'default the first)')
    args = parser.parse_args(argv)
    try:
        args.runs = [parse_run(text) for text in args.runs]
    except ValueError as e:
        parser.error(f'--runs: {e}')
    names = [r['name'] for r in args.runs]
    if len(set(names)) != len(names):
        parser.error(f'--runs: names must differ, got {names}')
    if args.top_k < 1:
        parser.error(f'--top-k must be >= 1, got {args.top_k}')
    for image in args.images:
        if not osp.isfile(image):
            parser.error(f'--images: no such file: {image}')
    args.figure_image = args.figure_image or args.images[0]
    if args.figure and args.figure_image not in args.images:
        parser.error(f'--figure-image {args.figure_image} is not one of '
                     '--images')
    return args


def parse_run(text):
    """``NAME=CONFIG=CHECKPOINT`` -> dict, the files checked."""
    parts = text.split('=', 2)
    if len(parts) != 3 or not all(parts):
        raise ValueError(f'takes NAME=CONFIG=CHECKPOINT, got {text!r}')
    name, config, checkpoint = parts
    for kind, path in (('config', config), ('checkpoint', checkpoint)):
        if not osp.isfile(path):
            raise ValueError(f'{name}: no such {kind} file: {path}')
    return dict(name=name, config=config, checkpoint=checkpoint)


def mean(values):
    """Mean of the finite values (an all-zero map has NaN spreads), NaN
    when there are none."""
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float('nan')


def measure_run(run, args):
    """One run's per-image numbers and its means over every queried
    head."""
    from p2r_mm.apis import build_test_pipelines, inference_psam, init_counter
    model = init_counter(run['config'], run['checkpoint'], args.device,
                         backend='pytorch')
    pipelines = build_test_pipelines(model.cfg)
    images, panel = [], None
    for image in args.images:
        out = inference_psam(model, image, top_k=args.top_k,
                             layer=args.layer, chunk_size=args.chunk_size,
                             radius=args.radius, pipelines=pipelines)
        if args.figure and image == args.figure_image:
            panel = figure_panel(out, run['name'])
        images.append(dict(
            image=image, predicted=out.predicted,
            logit=out.result.logits.tolist(),
            radius=out.spread['radius'].tolist(),
            mass_within=out.spread['mass_within'].tolist(),
            effective_area=out.spread['effective_area'].tolist()))
    heads = [h for i in images for h in zip(i['mass_within'],
                                             i['effective_area'])]
    return dict(run, images=len(images), heads=len(heads),
                mass_within_mean=mean([m for m, _ in heads]),
                effective_area_mean=mean([a for _, a in heads]),
                per_image=images), panel


def figure_panel(out, name):
    """(H, W, 3) RGB uint8: ``out``'s top-k PSAMs merged over its network
    input, the queries marked, a title band with ``name`` and the means."""
    import cv2
    import numpy as np

    from p2r_mm.visualization import CrowdVisualizer
    maps = out.result.maps.detach().float().cpu()
    peaks = maps.flatten(1).amax(1).clamp_min(1e-12)[:, None, None]
    merged = (maps / peaks).amax(0)
    drawn = CrowdVisualizer.psam_overlay(out.image, merged,
                                         out.result.points[0].tolist(),
                                         float(out.spread['radius'][0]))
    size = max(6, int(0.03 * max(drawn.shape[:2])))
    for x, y in out.result.points[1:].round().int().tolist():
        cv2.drawMarker(drawn, (x, y), (255, 255, 255), cv2.MARKER_CROSS,
                       size, 2)
    title = np.full((34, drawn.shape[1], 3), 255, np.uint8)
    text = (f"{name}: mass_within "
            f"{mean(out.spread['mass_within'].tolist()):.2f}, area "
            f"{mean(out.spread['effective_area'].tolist()):.0f} px")
    cv2.putText(title, text, (6, 23), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([title, drawn])


def write_figure(panels, path):
    """The panels side by side (padded to one height), white gaps."""
    import mmcv
    import numpy as np
    height = max(p.shape[0] for p in panels)
    padded = []
    for p in panels:
        pad = np.full((height - p.shape[0], p.shape[1], 3), 255, np.uint8)
        padded += [np.concatenate([p, pad]),
                   np.full((height, 8, 3), 255, np.uint8)]
    mmcv.imwrite(np.concatenate(padded[:-1], axis=1)[..., ::-1], path)


def main(argv=None):
    args = parse_args(argv)
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'
    runs = []
    print('| run | images | heads | mean mass_within | '
          'mean effective area (px) |')
    print('|---|---|---|---|---|')
    panels = []
    for run in args.runs:
        r, panel = measure_run(run, args)
        runs.append(r)
        panels.append(panel)
        print(f"| {r['name']} | {r['images']} | {r['heads']} | "
              f"{r['mass_within_mean']:.3f} | "
              f"{r['effective_area_mean']:.0f} |", flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(top_k=args.top_k, layer=args.layer,
                           radius=args.radius, images=args.images,
                           runs=runs), f, indent=1)
        print(f'wrote {args.json}')
    if args.figure:
        write_figure(panels, args.figure)
        print(f'wrote {args.figure} ({args.figure_image})')


if __name__ == '__main__':
    main()
