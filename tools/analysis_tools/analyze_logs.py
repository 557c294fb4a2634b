"""Plot training curves of one or more runs from MMEngine's scalar logs,
or summarise their training time.

Usage:
    python tools/analysis_tools/analyze_logs.py [plot_curve] RUN [RUN ...]
        [--keys mae count_ratio pseudo_points] [--legend A B] [--out x.png]
    python tools/analysis_tools/analyze_logs.py cal_train_time RUN [RUN ...]
        [--include-outliers]
    python tools/analysis_tools/analyze_logs.py val_summary RUN [RUN ...]
        [--legend A B]

RUN is a work dir, a run dir (``<work_dir>/<timestamp>``) or its
``vis_data/scalars.json``. Training scalars (loss, sup, unsup,
pseudo_points, ...) are plotted against the epoch (fractional, from the
iteration), validation metrics (mae, rmse, count_ratio, ...) against the
epoch they were measured at. E.g. compare P2R-semi and P2P-semi:
``--keys mae count_ratio pseudo_points``.

``cal_train_time`` (MMDetection's name) reads the seconds per iteration
MMEngine logs (``time``, averaged over each logging interval) and prints,
per run, the slowest and fastest epoch, the spread over epochs, the mean
and the training time it implies. The first logged interval of each epoch
(dataloader start-up) is left out unless ``--include-outliers``.

``val_summary`` prints a Markdown table of each run's validation: the
evaluation the checkpoint rule selects (lowest ``mae4_rmse``, the P2R
rule), the last one, and the training time; it reads validation numbers
only, for choosing settings without looking at a test split.
"""
import argparse
import glob
import json
import os.path as osp
import statistics
import sys
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
    entries = load_entries(path)
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


def load_entries(path: str) -> list:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def train_time_summary(entries: list, include_outliers: bool = False
                       ) -> dict:
    """Seconds per iteration of the training entries, per epoch (one group
    for iteration-based runs): slowest/fastest epoch, std over epochs,
    mean, and mean x the last logged iteration."""
    per_epoch = defaultdict(list)
    train = [e for e in entries if 'loss' in e and 'time' in e]
    for e in train:
        per_epoch[e.get('epoch', 0)].append(e['time'])
    if not per_epoch:
        raise ValueError('no training time in the log (entries with loss '
                         'and time)')
    if not include_outliers:
        per_epoch = {k: v[1:] if len(v) > 1 else v
                     for k, v in per_epoch.items()}
    means = {k: statistics.fmean(v) for k, v in per_epoch.items()}
    slowest = max(means, key=means.get)
    fastest = min(means, key=means.get)
    mean = statistics.fmean(t for v in per_epoch.values() for t in v)
    last_iter = max(e.get('iter', 0) for e in train)
    return dict(slowest_epoch=slowest, slowest=means[slowest],
                fastest_epoch=fastest, fastest=means[fastest],
                std=statistics.pstdev(means.values()), mean=mean,
                iters=last_iter, total_s=mean * last_iter)


def cal_train_time(argv) -> None:
    parser = argparse.ArgumentParser(
        prog='analyze_logs.py cal_train_time',
        description='Training time of runs from their scalar logs')
    parser.add_argument('runs', nargs='+')
    parser.add_argument(
        '--include-outliers', action='store_true',
        help='keep the first logged interval of each epoch')
    args = parser.parse_args(argv)
    for run in args.runs:
        path = find_scalars(run)
        try:
            t = train_time_summary(load_entries(path), args.include_outliers)
        except ValueError as e:
            raise SystemExit(f'{path}: {e}')
        hours, rest = divmod(round(t['total_s']), 3600)
        print(f'-----Analyze train time of {path}-----')
        print(f'slowest epoch {t["slowest_epoch"]}, average time is '
              f'{t["slowest"]:.4f} s/iter')
        print(f'fastest epoch {t["fastest_epoch"]}, average time is '
              f'{t["fastest"]:.4f} s/iter')
        print(f'time std over epochs is {t["std"]:.4f}')
        print(f'average iter time: {t["mean"]:.4f} s/iter')
        print(f'{t["iters"]} iterations at that rate: {hours}:'
              f'{rest // 60:02d}:{rest % 60:02d} (h:mm:ss)')


def run_names(runs: list, legend: list = None) -> list:
    """``--legend``, or each run's folder name."""
    names = legend or [osp.basename(osp.normpath(r)) for r in runs]
    if len(names) != len(runs):
        raise SystemExit('--legend needs one name per run')
    return names


def val_summary_row(entries: list) -> dict:
    """The selected (lowest mae4_rmse) and the last validation of a run,
    and its training minutes."""
    val = [e for e in entries if 'mae' in e]
    if not val:
        raise ValueError('no validation in the log (entries with mae)')
    best = min(val, key=lambda e: e.get('mae4_rmse', 4 * e['mae'] +
                                         e['rmse']))
    minutes = train_time_summary(entries)['total_s'] / 60
    return dict(best_epoch=best['step'], best_mae=best['mae'],
                best_rmse=best['rmse'],
                best_count_ratio=best.get('count_ratio'),
                last_epoch=val[-1]['step'], last_mae=val[-1]['mae'],
                last_count_ratio=val[-1].get('count_ratio'),
                minutes=minutes)


def val_summary(argv) -> None:
    parser = argparse.ArgumentParser(
        prog='analyze_logs.py val_summary',
        description='Validation of runs from their scalar logs')
    parser.add_argument('runs', nargs='+')
    parser.add_argument('--legend', nargs='+')
    args = parser.parse_args(argv)
    legend = run_names(args.runs, args.legend)
    print('| run | selected epoch | val MAE | val RMSE | count ratio | '
          'last epoch | last val MAE | last count ratio | training time |')
    print('|---|---|---|---|---|---|---|---|---|')
    for name, run in zip(legend, args.runs):
        path = find_scalars(run)
        try:
            r = val_summary_row(load_entries(path))
        except ValueError as e:
            raise SystemExit(f'{path}: {e}')
        print(f"| {name} | {r['best_epoch']} | {r['best_mae']:.2f} | "
              f"{r['best_rmse']:.2f} | {r['best_count_ratio']:.3f} | "
              f"{r['last_epoch']} | {r['last_mae']:.2f} | "
              f"{r['last_count_ratio']:.3f} | {r['minutes']:.1f} min |")


def main():
    try:
        dispatch(sys.argv[1:])
    except FileNotFoundError as e:
        raise SystemExit(f'analyze_logs.py: error: {e}')


def dispatch(argv):
    if argv and argv[0] == 'cal_train_time':
        return cal_train_time(argv[1:])
    if argv and argv[0] == 'val_summary':
        return val_summary(argv[1:])
    if argv and argv[0] == 'plot_curve':
        argv = argv[1:]
    parser = argparse.ArgumentParser(
        prog='analyze_logs.py [plot_curve]',
        description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+')
    parser.add_argument('--keys', nargs='+', default=['loss', 'mae'])
    parser.add_argument('--legend', nargs='+')
    parser.add_argument('--out', default='curves.png')
    args = parser.parse_args(argv)
    legend = run_names(args.runs, args.legend)
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
