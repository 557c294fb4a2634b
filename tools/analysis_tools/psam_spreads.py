"""How tight the PSAMs of several trained counters are, over a set of images.

Usage:
    python tools/analysis_tools/psam_spreads.py
        --runs NAME=CONFIG=CHECKPOINT [NAME=CONFIG=CHECKPOINT ...]
        --images IMG [IMG ...] [--top-k 5] [--layer neck] [--radius R]
        [--chunk-size 16] [--device cpu] [--trust-checkpoint]
        [--json docs/psam_spreads.json]

For each run and image, the PSAMs of the ``--top-k`` cells of highest logit
(as ``tools/analysis_tools/psam.py --top-k K`` computes them) and their two
spread numbers: ``mass_within`` (the fraction of the map within r of the
head; r is each head's P2R radius among the predicted points unless
``--radius`` is given) and ``effective_area`` (pixels of the network
input). Prints one row per run with the means over all its queried heads;
``--json`` also keeps every head's numbers and each image's predicted
count. The PSAM table of docs/user_guides/analysis_tools.md is rendered
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
    images = []
    for image in args.images:
        out = inference_psam(model, image, top_k=args.top_k,
                             layer=args.layer, chunk_size=args.chunk_size,
                             radius=args.radius, pipelines=pipelines)
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
                per_image=images)


def main(argv=None):
    args = parse_args(argv)
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'
    runs = []
    print('| run | images | heads | mean mass_within | '
          'mean effective area (px) |')
    print('|---|---|---|---|---|')
    for run in args.runs:
        r = measure_run(run, args)
        runs.append(r)
        print(f"| {r['name']} | {r['images']} | {r['heads']} | "
              f"{r['mass_within_mean']:.3f} | "
              f"{r['effective_area_mean']:.0f} |", flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(top_k=args.top_k, layer=args.layer,
                           radius=args.radius, images=args.images,
                           runs=runs), f, indent=1)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    main()
