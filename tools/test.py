"""Evaluate a checkpoint: python tools/test.py CONFIG CHECKPOINT [options]."""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.runner import Runner

from p2r_mm.apis import counter_config
from p2r_mm.engine import (destroy_distributed, finish_distributed,
                           load_runner_config)
from p2r_mm.utils import TRUST_ENV, safe_checkpoint_loading

OUT_FORMATS = {
    '.json': 'DumpCountingResults',  # per-image counts and points
    '.pkl': 'DumpResults',  # MMEngine's dump of the whole data samples
    '.pickle': 'DumpResults',
}
# matplotlib backends that draw into files, never a window.
NON_WINDOW_BACKENDS = ('agg', 'cairo', 'pdf', 'pgf', 'ps', 'svg', 'template')


def parse_args():
    parser = argparse.ArgumentParser(description='Test a crowd counter')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where to save the metrics log')
    parser.add_argument(
        '--out', help='dump the predictions: .json (per image: path, true '
        'and predicted counts, predicted points) or .pkl (MMEngine\'s '
        'DumpResults: every data sample as a dict, pred_logits included)')
    parser.add_argument(
        '--show', action='store_true',
        help='show each drawn prediction in a window (needs a display)')
    parser.add_argument(
        '--wait-time', type=float, default=2,
        help='seconds each window stays (0: until a key is pressed)')
    parser.add_argument(
        '--show-dir', help='save drawn predictions here (relative to the '
        'run\'s log dir unless absolute)')
    parser.add_argument(
        '--tta', action='store_true',
        help='horizontal-flip test-time augmentation: average the logits '
        'of each image and of its mirror image before thresholding '
        '(model test_cfg.flip)')
    parser.add_argument(
        '--tile', nargs=2, type=int, metavar=('SIZE', 'OVERLAP'),
        help='predict large images tile by tile (pixels, multiples of 32)')
    parser.add_argument(
        '--format-only', nargs='?', const='', metavar='PREFIX',
        help='NWPU-Crowd: predict its test split and write the benchmark '
        'server\'s files PREFIX_counting.txt and PREFIX_localization.txt '
        '(default PREFIX: WORK_DIR/nwpu_test), no metrics')
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
    if args.out is not None and \
            osp.splitext(args.out)[1].lower() not in OUT_FORMATS:
        parser.error(f'--out must end in {", ".join(OUT_FORMATS)}, got '
                     f'{args.out!r}')
    if args.show:
        problem = display_problem()
        if problem:
            parser.error(f'--show needs a window, but {problem}; save the '
                         'drawings with --show-dir DIR instead')
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def display_problem() -> str:
    """Why no window can open here ('' when one can)."""
    if sys.platform.startswith('linux') and not (
            os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')):
        return 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)'
    import matplotlib
    backend = matplotlib.get_backend().lower()
    if backend in NON_WINDOW_BACKENDS or 'inline' in backend:
        return f'matplotlib\'s backend {backend!r} draws no window'
    return ''


def innermost_dataset(dataset_cfg: dict) -> dict:
    while 'dataset' in dataset_cfg:  # dataset wrappers
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def apply_args(cfg, args) -> None:
    """The command line's changes to the loaded config."""
    cfg.load_from = args.checkpoint
    counter = counter_config(cfg.model)
    if args.tile is not None or args.tta:
        counter.setdefault('test_cfg', {})
    if args.tile is not None:
        counter.test_cfg['tile'] = dict(size=args.tile[0],
                                        overlap=args.tile[1])
    if args.tta:
        counter.test_cfg['flip'] = True
    if args.show or args.show_dir is not None:
        cfg.default_hooks['visualization'] = dict(
            type='CrowdVisualizationHook', draw=True, show=args.show,
            wait_time=args.wait_time, test_out_dir=args.show_dir)
    evaluator = cfg.test_evaluator
    evaluator = list(evaluator) if isinstance(evaluator,
                                              (list, tuple)) else [evaluator]
    if args.format_only is not None:
        dataset = innermost_dataset(cfg.test_dataloader.dataset)
        if not str(dataset.get('type', '')).endswith('NWPUCrowdDataset'):
            raise SystemExit(
                f'test.py: error: --format-only writes NWPU-Crowd\'s '
                f'submission files, but {args.config} tests on '
                f'{dataset.get("type")!r}')
        dataset.split = 'test'
        prefix = args.format_only or osp.join(cfg.work_dir, 'nwpu_test')
        evaluator = [dict(type='DumpNWPUSubmission', outfile_prefix=prefix)]
    if args.out is not None:
        kind = OUT_FORMATS[osp.splitext(args.out)[1].lower()]
        key = 'out_file' if kind == 'DumpCountingResults' else \
            'out_file_path'
        # First, so the predictions are saved whatever the metrics do.
        evaluator = [dict(type=kind, **{key: args.out})] + evaluator
    cfg.test_evaluator = evaluator
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='ProgressBarHook')
    ]


def main():
    args = parse_args()
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'
    cfg = load_runner_config(args.config, args.launcher, args.cfg_options,
                             args.work_dir)
    apply_args(cfg, args)

    runner = Runner.from_cfg(cfg)
    try:
        with safe_checkpoint_loading():
            metrics = runner.test()
        print_table(metrics)
        finish_distributed()
    finally:
        destroy_distributed()


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
