"""Plot training curves of one or more runs from MMEngine's scalar logs.

Usage:
    python tools/analysis_tools/analyze_logs.py RUN [RUN ...]
        [--keys mae count_ratio pseudo_points] [--legend A B] [--out x.png]

RUN is a work dir, a run dir (``<work_dir>/<timestamp>``) or its
``vis_data/scalars.json``. Training scalars (loss, sup, unsup,
pseudo_points, ...) are plotted against the epoch (fractional, from the
iteration), validation metrics (mae, rmse, count_ratio, ...) against the
epoch they were measured at. E.g. compare P2R-semi and P2P-semi:
``--keys mae count_ratio pseudo_points``.
"""
import argparse
import glob
import json
import os.path as osp
from collections import defaultdict

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def find_scalars(run: str) -> str:
    if osp.isfile(run):
        return run
    found = sorted(glob.glob(osp.join(run, 'vis_data', 'scalars.json')) +
                   glob.glob(osp.join(run, '*', 'vis_data', 'scalars.json')))
    if not found:
        raise FileNotFoundError(f'no vis_data/scalars.json under {run}')
    return found[-1]  # the newest run of a work dir


def load_curves(path: str) -> dict:
    """key -> (xs, ys); training scalars at epoch + iter fraction."""
    curves = defaultdict(lambda: ([], []))
    with open(path) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    train = [e for e in entries if 'loss' in e]
    # Global iteration -> fractional epoch, from the last logged iteration
    # (MMEngine logs the 1-based epoch beside it).
    last = max(train, key=lambda e: e['iter'], default=None)
    iters_per_epoch = last['iter'] / last['epoch'] if last else None
    for e in entries:
        x = e['iter'] / iters_per_epoch if 'loss' in e else e['step']
        for key, value in e.items():
            if key in ('step', 'epoch', 'iter') or not isinstance(
                    value, (int, float)):
                continue
            curves[key][0].append(x)
            curves[key][1].append(value)
    return curves


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+')
    parser.add_argument('--keys', nargs='+', default=['loss', 'mae'])
    parser.add_argument('--legend', nargs='+')
    parser.add_argument('--out', default='curves.png')
    args = parser.parse_args()
    legend = args.legend or [osp.basename(osp.normpath(r)) for r in args.runs]
    if len(legend) != len(args.runs):
        raise SystemExit('--legend needs one name per run')
    runs = [load_curves(find_scalars(r)) for r in args.runs]
    fig, axes = plt.subplots(len(args.keys), 1, squeeze=False,
                             figsize=(7, 2.6 * len(args.keys)))
    for ax, key in zip(axes[:, 0], args.keys):
        for name, curves in zip(legend, runs):
            if key in curves:
                xs, ys = curves[key]
                ax.plot(xs, ys, marker='o' if len(xs) < 30 else None,
                        label=name)
                print(f'{name}: {key} last {ys[-1]:.4g}, min {min(ys):.4g}, '
                      f'max {max(ys):.4g}')
            else:
                print(f'{name}: no {key} in its log')
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[-1, 0].set_xlabel('epoch')
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f'saved {args.out}')


if __name__ == '__main__':
    main()
