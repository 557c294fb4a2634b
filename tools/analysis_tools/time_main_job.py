"""Time the README's main job as a new user runs it, and test its model.

Usage:
    python tools/analysis_tools/time_main_job.py [--work-dir DIR]
        [--json docs/main_job.json] [--config configs/p2r/synthetic_5pct.py]

From an empty ``DIR`` (data and work dir inside it, so the synthetic data
is generated first): ``tools/train.py CONFIG`` with the config's own
randomness (no seed given, as the README's command), then ``tools/test.py``
on the test split at the checkpoint selected on validation. Writes the wall
times and the test metrics; ``--compare-to`` (default
docs/results_synthetic.json) says whether the run lands inside the
reported spread of the same method (mean ± 2 standard deviations over its
seeds).
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/p2r/synthetic_5pct.py')
    parser.add_argument('--method', default='p2r_semi',
                        help='its key in the --compare-to report')
    parser.add_argument('--work-dir', default='work_dirs/time_main_job')
    parser.add_argument('--json', default=osp.join(REPO, 'docs',
                                                   'main_job.json'))
    parser.add_argument('--compare-to', default=osp.join(
        REPO, 'docs', 'results_synthetic.json'))
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra options (tests shrink the job)')
    return parser.parse_args(argv)


def timed(cmd, log_path):
    start = time.time()
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log_path) as f:
            raise RuntimeError(f'{" ".join(cmd)} failed:\n{f.read()[-3000:]}')
    return time.time() - start


def data_options(config, data_root):
    """--cfg-options that point every dataset of ``config`` at
    ``data_root``."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        key, ds = f'{loader}.dataset', cfg[loader].dataset
        while 'data_root' not in ds:
            key, ds = key + '.dataset', ds.dataset
        opts.append(f'{key}.data_root={data_root}/')
    return opts


def main(argv=None):
    args = parse_args(argv)
    work = osp.abspath(args.work_dir)
    if osp.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    opts = data_options(args.config, osp.join(work, 'data')) + \
        args.cfg_options
    train_dir = osp.join(work, 'train')
    train_s = timed([sys.executable, 'tools/train.py', args.config,
                     '--work-dir', train_dir, '--cfg-options', *opts],
                    osp.join(work, 'train.out'))
    (best, ) = glob.glob(osp.join(train_dir, 'best_*.pth'))
    test_dir = osp.join(work, 'test')
    test_s = timed([sys.executable, 'tools/test.py', args.config, best,
                    '--work-dir', test_dir, '--cfg-options', *opts],
                   osp.join(work, 'test.out'))
    (log, ) = glob.glob(osp.join(test_dir, '*', '*.json'))
    with open(log) as f:
        metrics = json.loads(f.readline())
    result = dict(
        config=args.config, train_minutes=train_s / 60,
        test_minutes=test_s / 60,
        test=dict(mae=metrics['mae'], rmse=metrics['rmse'],
                  count_ratio=metrics['count_ratio']),
        checkpoint=osp.basename(best))
    if args.compare_to and osp.isfile(args.compare_to):
        with open(args.compare_to) as f:
            maes = json.load(f)['methods'][args.method]['test_mae']
        n = len(maes)
        mean = sum(maes) / n
        std = (sum((m - mean)**2 for m in maes) / max(n - 1, 1))**0.5
        result['reported'] = dict(method=args.method, mean=mean, std=std,
                                  inside=abs(metrics['mae'] - mean) <=
                                  2 * std)
    result['machine'] = reproduce_tool().machine()
    with open(args.json, 'w') as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


def reproduce_tool():
    """reproduce_benchmark.py beside this file, as a module."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'reproduce_benchmark',
        osp.join(osp.dirname(osp.abspath(__file__)), 'reproduce_benchmark.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == '__main__':
    main()
