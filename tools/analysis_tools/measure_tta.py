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
metrics both ways; the README's TTA table is rendered from that file
(``tools/misc/readme_tables.py``, block ``tta``). Give paths relative to
the repository for a file to commit.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRICS = ('mae', 'rmse', 'count_ratio', 'loc/f1@8')


def reproduce_tool():
    """reproduce_synthetic.py, for its subprocess runner and log reader."""
    path = osp.join(REPO, 'tools', 'analysis_tools', 'reproduce_synthetic.py')
    spec = importlib.util.spec_from_file_location('reproduce_synthetic', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', nargs='+', required=True,
                        metavar='NAME=CONFIG=CHECKPOINT')
    parser.add_argument('--work-dir', default='work_dirs/measure_tta')
    parser.add_argument('--json', help='write every run\'s metrics here')
    args = parser.parse_args(argv)
    runs = []
    for text in args.runs:
        parts = text.split('=', 2)
        if len(parts) != 3 or not all(parts):
            parser.error(f'--runs takes NAME=CONFIG=CHECKPOINT, got {text!r}')
        name, config, checkpoint = parts
        for kind, path in (('config', config), ('checkpoint', checkpoint)):
            if not osp.isfile(path):
                parser.error(f'--runs {name}: no such {kind} file: {path}')
        runs.append(dict(name=name, config=config, checkpoint=checkpoint))
    args.runs = runs
    return args


def test_both_ways(run, run_dir, tool):
    """The run's test metrics without and with --tta."""
    out = {}
    for which, extra in (('plain', []), ('tta', ['--tta'])):
        test_dir = osp.join(run_dir, which)
        os.makedirs(test_dir, exist_ok=True)
        tool.run_tool([sys.executable, 'tools/test.py', run['config'],
                       run['checkpoint'], '--work-dir', test_dir, *extra],
                      osp.join(run_dir, f'{which}.out'))
        metrics = tool.read_test_metrics(test_dir)
        out[which] = {k: metrics[k] for k in METRICS if k in metrics}
    return out


def main(argv=None):
    args = parse_args(argv)
    tool = reproduce_tool()
    from p2r_mm.utils.machine import load_average, machine_info
    machine = machine_info()
    print('| run | checkpoint | MAE | MAE with --tta | RMSE | RMSE with '
          '--tta |')
    print('|---|---|---|---|---|---|')
    results = []
    for k, run in enumerate(args.runs):
        metrics = test_both_ways(run, osp.join(args.work_dir, str(k)), tool)
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
