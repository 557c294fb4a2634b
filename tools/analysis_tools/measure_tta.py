"""Measure flip test-time augmentation (``tools/test.py --tta``) on trained
checkpoints.

Usage:
    python tools/analysis_tools/measure_tta.py
        --runs NAME=CONFIG=CHECKPOINT [NAME=CONFIG=CHECKPOINT ...]
        [--work-dir work_dirs/measure_tta] [--json docs/tta_synthetic.json]

Each checkpoint is tested on its config's test split twice, as
``tools/test.py CONFIG CHECKPOINT`` and with ``--tta``, in subprocesses.
Runs that share a NAME (the seeds of one method, say) are summarised
together, mean ± std over their checkpoints. ``--json`` keeps every run's
metrics both ways; the TTA table of docs/user_guides/train_test.md is
rendered from that file
(``tools/misc/readme_tables.py``, block ``tta``). Give paths relative to
the repository for a file to commit.
"""
import argparse
import json
import os
import os.path as osp
import sys

# Its siblings in tools/analysis_tools/ (the script's own folder is on
# sys.path): the subprocess runner, the test-log reader and the --runs
# syntax they already define.
from psam_spreads import parse_run
from reproduce_benchmark import read_test_metrics, run_tool

METRICS = ('mae', 'rmse', 'count_ratio', 'loc/f1@8')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', nargs='+', required=True,
                        metavar='NAME=CONFIG=CHECKPOINT')
    parser.add_argument('--work-dir', default='work_dirs/measure_tta')
    parser.add_argument('--json', help='write every run\'s metrics here')
    args = parser.parse_args(argv)
    try:  # names may repeat: the checkpoints of one model
        args.runs = [parse_run(text) for text in args.runs]
    except ValueError as e:
        parser.error(f'--runs: {e}')
    return args


def test_both_ways(run, run_dir):
    """The run's test metrics without and with --tta."""
    out = {}
    for which, extra in (('plain', []), ('tta', ['--tta'])):
        test_dir = osp.join(run_dir, which)
        os.makedirs(test_dir, exist_ok=True)
        run_tool([sys.executable, 'tools/test.py', run['config'],
                  run['checkpoint'], '--work-dir', test_dir, *extra],
                 osp.join(run_dir, f'{which}.out'))
        metrics = read_test_metrics(test_dir)
        out[which] = {k: metrics[k] for k in METRICS if k in metrics}
    return out


def main(argv=None):
    args = parse_args(argv)
    from machine import load_average, machine_info
    machine = machine_info()
    print('| run | checkpoint | MAE | MAE with --tta | RMSE | RMSE with '
          '--tta |')
    print('|---|---|---|---|---|---|')
    results = []
    for k, run in enumerate(args.runs):
        metrics = test_both_ways(run, osp.join(args.work_dir, str(k)))
        results.append(dict(run, **metrics))
        p, t = metrics['plain'], metrics['tta']
        print(f"| {run['name']} | {run['checkpoint']} | {p['mae']:.2f} | "
              f"{t['mae']:.2f} | {p['rmse']:.2f} | {t['rmse']:.2f} |",
              flush=True)
    machine['load_average_at_end'] = load_average()
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(dict(machine=machine, runs=results), f, indent=1)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    main()
