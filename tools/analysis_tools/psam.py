"""Point-Specific Activation Maps of a trained counter on one image.

Usage:
    python tools/analysis_tools/psam.py CONFIG CHECKPOINT IMAGE
        [--points X,Y [X,Y ...] | --top-k K] [--layer neck] [--radius R]
        [--chunk-size 16] [--alpha 0.5] [--out-dir psam] [--device cpu]
        [--trust-checkpoint] [--cfg-options ...]

The image goes through the config's test pipeline (without
``LoadCrowdAnnotations``) and the model's data preprocessor. For each query
(``--points`` in image pixels, or by default the top-k cells by logit) one
PNG is written to ``--out-dir``: the network input with the PSAM as a heat
map, the query marked and the mass_within circle drawn. A table gives each
point's logit, radius r (``--radius`` or its P2R radius among the predicted
points), mass_within_r and effective_area (see
``p2r_mm/visualization/psam_spread.py``). A semi-supervised model is
probed through its ``semi_test_cfg.predict_on`` model.
"""
import argparse
import os
import os.path as osp

import mmcv
import torch
from mmengine.config import DictAction

from p2r_mm.apis import build_test_pipelines, inference_psam, init_counter
from p2r_mm.structures import input_to_original
from p2r_mm.utils import TRUST_ENV
from p2r_mm.visualization import CrowdVisualizer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    query = parser.add_mutually_exclusive_group()
    query.add_argument('--points', nargs='+', metavar='X,Y',
                       help='query points, image pixels')
    query.add_argument('--top-k', type=int, default=5,
                       help='query the K cells of highest logit')
    parser.add_argument('--layer', default='neck',
                        help='dotted module path of F, e.g. neck.fuse')
    parser.add_argument('--radius', type=float,
                        help='mass_within radius, pixels (default: each '
                        "point's P2R radius)")
    parser.add_argument('--chunk-size', type=int, default=16)
    parser.add_argument('--alpha', type=float, default=0.5,
                        help='heat map opacity')
    parser.add_argument('--out-dir', default='psam')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow checkpoints that need more than plain '
                        'data to load (only for files you trust)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def parse_points(texts):
    try:
        return torch.tensor([[float(v) for v in t.split(',')] for t in texts])
    except ValueError as e:
        raise SystemExit(f'--points takes X,Y pairs, got {texts}: {e}')


def main(argv=None):
    args = parse_args(argv)
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'
    model = init_counter(args.config, args.checkpoint, args.device,
                         cfg_options=args.cfg_options, backend='pytorch')
    out = inference_psam(
        model, args.image, top_k=None if args.points else args.top_k,
        points=parse_points(args.points) if args.points else None,
        layer=args.layer, chunk_size=args.chunk_size, radius=args.radius,
        pipelines=build_test_pipelines(model.cfg))
    result, spread, scale, image = (out.result, out.spread,
                                    out.scale_factor, out.image)
    shown = input_to_original(result.points.cpu(), scale)

    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(args.image))[0]
    if tuple(scale) != (1.0, 1.0):
        print(f'The network input is the image resized by {tuple(scale)}; '
              'overlays and radii are in its pixels.')
    print(f'{"k":>3} {"x":>8} {"y":>8} {"logit":>8} {"r":>6} '
          f'{"mass_within_r":>14} {"effective_area":>15}  file')
    for k in range(len(result.points)):
        x, y = result.points[k].tolist()
        r = float(spread['radius'][k])
        name = osp.join(args.out_dir, f'{stem}_psam_{k:02d}.png')
        drawn = CrowdVisualizer.psam_overlay(image, result.maps[k], (x, y),
                                             r, args.alpha)
        mmcv.imwrite(drawn[..., ::-1], name)
        sx, sy = shown[k].tolist()
        print(f'{k:>3} {sx:>8.1f} {sy:>8.1f} '
              f'{float(result.logits[k]):>8.3f} {r:>6.1f} '
              f'{float(spread["mass_within"][k]):>14.3f} '
              f'{float(spread["effective_area"][k]):>15.1f}  {name}')


if __name__ == '__main__':
    main()
