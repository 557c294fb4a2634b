"""Inference speed of a config on this machine, in images per second.

python tools/analysis_tools/benchmark.py CONFIG [--checkpoint CKPT]
    [--device cuda] [--max-iter 200] [--num-warmup 5] [--tta] [--tile S O]

Runs the config's test dataloader (images of the real size the test
pipeline gives) through the model's ``test_step`` (normalisation, padding,
network, point extraction), batch after batch, cycling over the dataset
when it is shorter than ``--max-iter``. The first ``--num-warmup`` batches
are not timed. Inference time excludes data loading, which is reported
separately. Without a checkpoint the weights are random: the speed does
not depend on their values.
"""
import argparse
import itertools
import json
import time

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner


def parse_args():
    parser = argparse.ArgumentParser(
        description='Inference images/s of a config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--checkpoint', help='weights (default: random)')
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu',
        help='cpu, cuda, cuda:1 (default: cuda when there is one)')
    parser.add_argument('--max-iter', type=int, default=200,
                        help='timed batches')
    parser.add_argument('--num-warmup', type=int, default=5,
                        help='batches run before timing')
    parser.add_argument('--log-interval', type=int, default=50)
    parser.add_argument('--tta', action='store_true',
                        help='with horizontal-flip test-time augmentation')
    parser.add_argument(
        '--tile', nargs=2, type=int, metavar=('SIZE', 'OVERLAP'),
        help='predict tile by tile (pixels, multiples of 32)')
    parser.add_argument('--out', help='write the numbers to this .json')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=4')
    args = parser.parse_args()
    if args.max_iter < 1 or args.num_warmup < 0:
        parser.error('--max-iter must be >= 1 and --num-warmup >= 0')
    return args


def endless(loader):
    """The loader's batches, starting over at its end (unlike
    itertools.cycle, which keeps a copy of every batch)."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise SystemExit('benchmark.py: error: the test dataloader '
                             'gives no batch')


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize(device)


def main():
    args = parse_args()
    from p2r_mm.apis import counter_config, init_counter
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    counter = counter_config(cfg.model)
    if args.checkpoint is None and 'init_cfg' in counter.get('backbone', {}):
        counter.backbone.init_cfg = None  # no ImageNet download
    if args.tta:
        counter.setdefault('test_cfg', {})
        counter.test_cfg['flip'] = True
    model = init_counter(cfg, args.checkpoint, device=args.device,
                         tile=args.tile)
    init_default_scope('p2r_mm')
    loader = Runner.build_dataloader(cfg.test_dataloader)

    total = args.num_warmup + args.max_iter
    images = infer_s = load_s = 0.0
    batches = itertools.islice(endless(loader), total)
    t_load = time.perf_counter()
    for i, batch in enumerate(batches):
        t_start = time.perf_counter()
        with torch.no_grad():
            model.test_step(batch)
        sync(args.device)
        t_end = time.perf_counter()
        if i >= args.num_warmup:
            images += len(batch['inputs'])
            infer_s += t_end - t_start
            load_s += t_start - t_load
            done = i + 1 - args.num_warmup
            if done % args.log_interval == 0:
                print(f'batch [{done}/{args.max_iter}]: '
                      f'{images / infer_s:.2f} images/s')
        t_load = time.perf_counter()
    result = dict(config=args.config, device=args.device, images=int(images),
                  images_per_s=images / infer_s,
                  ms_per_image=1000 * infer_s / images,
                  data_ms_per_image=1000 * load_s / images,
                  tta=args.tta, tile=args.tile)
    print(f'Overall: {result["images_per_s"]:.2f} images/s, '
          f'{result["ms_per_image"]:.1f} ms per image '
          f'({int(images)} images on {args.device}; data loading '
          f'{result["data_ms_per_image"]:.1f} ms per image, not included)')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
