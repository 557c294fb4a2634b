"""Train a p2r_mm model: python tools/train.py CONFIG [options]."""
import argparse
import os
import sys

from mmengine.config import DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from p2r_mm.engine import (RunStoppedError, destroy_distributed,
                           finish_distributed, load_runner_config)
from p2r_mm.utils import TRUST_ENV, safe_checkpoint_loading
from p2r_mm.utils.atomic_files import (checkpoint_problem,
                                       latest_complete_checkpoint)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a crowd counter')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where to save logs and models')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the lr linearly with the total batch (GPUs x '
        'train_dataloader.batch_size) against the config\'s '
        'auto_scale_lr.base_batch_size, the batch the lr was set for')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest complete checkpoint in '
        'the work dir when no path is given (files cut short by a kill are '
        'skipped; none: start from scratch)')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow checkpoints that need more than plain data to load '
        '(arbitrary code execution: only for files you trust)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=10')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'  # inherited by dataloader workers
    cfg = load_runner_config(args.config, args.launcher, args.cfg_options,
                             args.work_dir)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ValueError(f'{args.config}: --auto-scale-lr needs '
                             'auto_scale_lr.base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        # MMEngine would follow last_checkpoint even to a damaged file.
        latest = latest_complete_checkpoint(cfg.work_dir)
        cfg.resume = latest is not None
        cfg.load_from = latest
        if latest is None:
            print_log(f'--resume: no complete checkpoint in {cfg.work_dir}; '
                      'training from scratch', logger='current')
    elif args.resume is not None:
        problem = None if '://' in args.resume else checkpoint_problem(
            args.resume)
        if problem is not None:
            raise SystemExit(f'--resume {args.resume}: {problem}')
        cfg.resume = True
        cfg.load_from = args.resume

    runner = Runner.from_cfg(cfg)
    try:
        with safe_checkpoint_loading():
            runner.train()
        finish_distributed()
    except RunStoppedError as e:
        # The hook has logged the message; no traceback to bury it under.
        print(f'\n{type(e).__name__}: {e}', file=sys.stderr)
        sys.exit(1)
    finally:
        destroy_distributed()


if __name__ == '__main__':
    main()
