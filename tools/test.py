"""Evaluate a checkpoint: python tools/test.py CONFIG CHECKPOINT [options]."""
import argparse
import os

from mmengine.config import DictAction
from mmengine.runner import Runner

from p2r_mm.engine import destroy_distributed, load_runner_config
from p2r_mm.utils import TRUST_ENV


def parse_args():
    parser = argparse.ArgumentParser(description='Test a crowd counter')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where to save the metrics log')
    parser.add_argument(
        '--out', help='write per-image counts and points to this .json')
    parser.add_argument(
        '--show-dir', help='save drawn predictions here (relative to the '
        'run\'s log dir unless absolute)')
    parser.add_argument(
        '--tile', nargs=2, type=int, metavar=('SIZE', 'OVERLAP'),
        help='predict large images tile by tile (pixels, multiples of 32)')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow checkpoints that need more than plain data to load '
        '(arbitrary code execution: only for files you trust)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=1')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'
    cfg = load_runner_config(args.config, args.launcher, args.cfg_options,
                             args.work_dir)
    cfg.load_from = args.checkpoint
    if args.tile is not None:
        # A semi-supervised model predicts with its counters.
        counter = cfg.model.get('counter', cfg.model)
        counter.setdefault('test_cfg', {})
        counter.test_cfg['tile'] = dict(size=args.tile[0],
                                        overlap=args.tile[1])
    if args.show_dir is not None:
        cfg.default_hooks['visualization'] = dict(
            type='CrowdVisualizationHook', draw=True,
            test_out_dir=args.show_dir)
    if args.out is not None:
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, dict):
            evaluator = [evaluator]
        # First, so the predictions are saved whatever the metrics do.
        cfg.test_evaluator = [
            dict(type='DumpCountingResults', out_file=args.out)
        ] + list(evaluator)
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='ProgressBarHook')
    ]

    runner = Runner.from_cfg(cfg)
    try:
        metrics = runner.test()
    finally:
        destroy_distributed()
    print_table(metrics)


def print_table(metrics: dict) -> None:
    """The metrics as a two-column table (MMEngine already logs them)."""
    if not metrics:
        return
    width = max(len(k) for k in metrics)
    print('\n' + '-' * (width + 14))
    for key, value in metrics.items():
        text = f'{value:.4f}' if isinstance(value, float) else str(value)
        print(f'{key:<{width}}  {text:>10}')
    print('-' * (width + 14))


if __name__ == '__main__':
    main()
