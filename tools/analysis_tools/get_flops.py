"""Parameters and FLOPs of a config's counter at a given input size.

python tools/analysis_tools/get_flops.py CONFIG [--shape H [W]]

Counted with MMEngine's complexity analysis (``mmengine.analysis``, fvcore's
counting rules: one FLOP is one multiply-add) on the network alone, image
-> logits, as it runs at test time (no tiling, no flip). A semi-supervised
model counts its predicting counter: the teacher is a copy of the same
size. Sizes are rounded up to multiples of 32, as the data preprocessor
pads them.
"""
import argparse
import json

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.registry import DefaultScope

from p2r_mm.registry import MODELS

PAD = 32


def parse_args():
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs of a counter')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape', type=int, nargs='+', default=[768, 1024],
        metavar='PIXELS', help='input height and width (one value: a '
        'square); default 768 1024')
    parser.add_argument('--table', action='store_true',
                        help='also print the per-module table')
    parser.add_argument('--out', help='write the numbers to this .json')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. model.backbone.base_channels=32')
    args = parser.parse_args()
    if len(args.shape) not in (1, 2) or min(args.shape) < 1:
        parser.error('--shape takes one or two positive sizes (H [W])')
    return args


def build_counter(cfg: Config) -> torch.nn.Module:
    """The config's predicting network, in eval mode, weights untouched
    (their values do not change the counts)."""
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        model = MODELS.build(cfg.model)
    model = getattr(model, 'predictor', model)  # SemiPointCounter
    return model.eval()


def main():
    args = parse_args()
    h, w = args.shape * 2 if len(args.shape) == 1 else args.shape
    padded = (-(-h // PAD) * PAD, -(-w // PAD) * PAD)
    if padded != (h, w):
        print(f'input {h}x{w} padded to {padded[0]}x{padded[1]} (the data '
              f'preprocessor pads to multiples of {PAD})')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    model = build_counter(cfg)
    with torch.no_grad():
        info = get_model_complexity_info(
            model, input_shape=(3, *padded), show_table=args.table,
            show_arch=False)
    line = '=' * 40
    print(f'{line}\nInput shape: (1, 3, {padded[0]}, {padded[1]})\n'
          f'Flops: {info["flops_str"]} ({info["flops"]} multiply-adds)\n'
          f'Params: {info["params_str"]} ({info["params"]})\n{line}')
    if args.table:
        print(info['out_table'])
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, input_shape=list(padded),
                           flops=int(info['flops']),
                           params=int(info['params'])), f, indent=2)


if __name__ == '__main__':
    main()
