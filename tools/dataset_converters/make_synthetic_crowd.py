"""Generate the synthetic crowd benchmark and print its head counts.

Usage:
    python tools/dataset_converters/make_synthetic_crowd.py \\
        --out data/synthetic_crowd --num-train 200 --num-val 50 \\
        --num-test 50 --seed 0 \\
        [--image-size 256 512] [--count-range 10 400] [--workers 2] \\
        [--force] [--preview 8]

Writes ``OUT/{train,val,test}/images/*.jpg``, ``annotations.json`` and
``meta.json`` (see :mod:`p2r_mm.datasets.synthetic.writing`); a split already
there with the same parameters is kept (``--force`` regenerates it).
``--preview N`` also writes the first N images of each split to
``OUT/preview/`` with heads circled in green and distractors boxed in red.
"""
import argparse
import json
import os
import os.path as osp
import time

import cv2
import numpy as np

from p2r_mm.datasets.synthetic import (SceneParams, ensure_split,
                                      generate_scene, read_meta)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/synthetic_crowd')
    parser.add_argument('--num-train', type=int, default=200)
    parser.add_argument('--num-val', type=int, default=50)
    parser.add_argument('--num-test', type=int, default=50)
    parser.add_argument('--seed', type=int, default=0,
                        help='generator seed (SyntheticCrowdDataset\'s '
                        'generator_seed)')
    parser.add_argument('--image-size', type=int, nargs=2,
                        default=[256, 512], metavar=('MIN', 'MAX'),
                        help='range of each image side, pixels')
    parser.add_argument('--count-range', type=int, nargs=2,
                        default=[10, 400], metavar=('MIN', 'MAX'),
                        help='range of the target heads per image')
    parser.add_argument('--workers', type=int,
                        default=min(4, os.cpu_count() or 1))
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if the splits are current')
    parser.add_argument('--preview', type=int, default=0, metavar='N',
                        help='draw the points on the first N images of '
                        'each split into OUT/preview/')
    return parser.parse_args()


def count_summary(annotation_file) -> str:
    with open(annotation_file) as f:
        counts = np.array([len(p) for p in json.load(f).values()])
    edges = [0, 25, 50, 100, 200, 300, 400, np.inf]
    hist, _ = np.histogram(counts, edges)
    bins = ', '.join((f'{a}-{b - 1}' if np.isfinite(b) else f'{a}+') +
                     f': {h}' for a, b, h in zip(edges, edges[1:], hist))
    return (f'{len(counts)} images, {counts.sum()} heads; per image min '
            f'{counts.min()}, median {np.median(counts):g}, mean '
            f'{counts.mean():.1f}, max {counts.max()}, std '
            f'{counts.std():.1f}\n  histogram [{bins}]')


def draw_preview(scene) -> np.ndarray:
    """BGR copy of the scene's image with its labels drawn."""
    img = cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR)
    for (x, y), r in zip(scene.points, scene.radii):
        cv2.circle(img, (int(round(x)), int(round(y))), int(round(r)),
                   (0, 255, 0), 1)
    for (x, y), r in zip(scene.distractors, scene.distractor_radii):
        half = int(round(r))
        cv2.rectangle(img, (int(x) - half, int(y) - half),
                      (int(x) + half, int(y) + half), (0, 0, 255), 1)
    return img


def main():
    args = parse_args()
    params = SceneParams(image_size=tuple(args.image_size),
                         count_range=tuple(args.count_range))
    for split, num in (('train', args.num_train), ('val', args.num_val),
                       ('test', args.num_test)):
        if num <= 0:
            continue
        start = time.perf_counter()
        split_dir = ensure_split(args.out, split, num, args.seed, params,
                                 workers=args.workers, force=args.force)
        took = time.perf_counter() - start
        meta = read_meta(split_dir)
        print(f'{split}: {split_dir} (generator v{meta["version"]}, seed '
              f'{meta["seed"]}; {took:.1f} s)')
        print('  ' + count_summary(osp.join(split_dir, 'annotations.json')))
        if args.preview > 0:
            out = osp.join(args.out, 'preview')
            os.makedirs(out, exist_ok=True)
            for k in range(min(args.preview, num)):
                scene = generate_scene(args.seed, k, split, params)
                path = osp.join(out, f'{split}_{k:06d}.png')
                cv2.imwrite(path, draw_preview(scene))
            print(f'  previews in {out}')


if __name__ == '__main__':
    main()
