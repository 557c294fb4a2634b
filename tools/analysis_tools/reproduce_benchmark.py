"""Train every method of a crowd-counting benchmark over several seeds
and write its report (+ .json, + plots in docs/images/).

Usage:
    python tools/analysis_tools/reproduce_benchmark.py
        [--protocol {synthetic,shb_cpu,shb_cpu_1pct}]
        [--methods labelled_only full_label p2r_semi p2p_semi]
        [--extra-methods KEY=CONFIG ...] [--seeds 0 1 2 3 4]
        [--work-dir DIR] [--out PATH] [--results-dir DIR] [--report-only]
        [--cfg-options ...]

``--protocol`` picks the benchmark (benchmark_protocols.py): its methods
and their configs, default seeds, output paths, and the rules the report
checks. ``synthetic`` (the default) is the generated crowd benchmark,
written to docs/results_synthetic.{md,json} (work dir
work_dirs/reproduce_synthetic); ``shb_cpu`` is ShanghaiTech B on a CPU
budget with 0.5 % of the images labelled, written to
docs/results_shb_cpu.{md,json} (work dir work_dirs/reproduce_shb_cpu), and
``shb_cpu_1pct`` the same at 1 %, whose validity check failed
(docs/results_shb_cpu_1pct.{md,json}). Without ``--seeds`` each method
runs its protocol's default seeds.

Each run is ``tools/train.py CONFIG --cfg-options randomness.seed=S`` in a
subprocess, in ``WORK_DIR/<method>/seed<S>/``. Validation runs on the
held-out split and selects the best checkpoint (lowest 4 * MAE + RMSE);
``tools/test.py`` then reads the test split once at that checkpoint and
once at the last one. A finished run's numbers (with its training minutes,
the load average at the start and end of its training, and its training
command) go to ``--results-dir`` (``<method>_seed<S>.json``, committed
with the report) and it is not trained again, so a reproduction can be
stopped and continued, on another machine too; a run whose training was
cut resumes from its last checkpoint (every 5 epochs on the shb_cpu
configs), its time the sum of its segments'. ``--report-only`` rebuilds
the report from the finished runs alone.

``--extra-methods KEY=CONFIG`` adds a method (a project's config, say) to
the same protocol; its runs are named by KEY. ``--baseline-results
docs/results_synthetic_runs`` also reads finished runs of the protocol's
own methods from there, so a project's report (with its own
``--results-dir``) compares with the benchmark's runs without training
them again.

What the report checks (the rules of each protocol are in
protocol_<name>.py): the benchmark's validity (labelled-only against the
full-label oracle) and the P2R paper's claims (P2R-semi beats
labelled-only; P2P-semi over-counts).
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import re
import shlex
import subprocess
import sys
import time

import numpy as np

# Its helper modules beside it, also when it is loaded by path
# (tools/misc/readme_tables.py, tests).
HERE = osp.dirname(osp.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from benchmark_protocols import DEFAULT, PROTOCOLS  # noqa: E402
from benchmark_report import write_report  # noqa: E402

# Names that other tools read from this module (tools/misc/readme_tables.py,
# time_main_job.py, measure_tta.py).
from benchmark_protocols import claim_sentences  # noqa: E402,F401
from benchmark_report import (  # noqa: E402,F401
    localization_table, pseudo_summary_table, results_table)
from benchmark_rules import (  # noqa: E402,F401
    fmt, seeds_phrase, validity_sentence)

REPO = osp.dirname(osp.dirname(HERE))
#: The methods of the chosen protocol and the --extra-methods (module
#: state: the aggregation and the README renderer read names from it).
METHODS = dict(PROTOCOLS[DEFAULT].methods)
SEMI = ('p2r_semi', 'p2p_semi')
#: Pseudo-label statistics logged by SemiPointCounter (pseudo_quality).
PSEUDO_KEYS = ('pseudo_points', 'pseudo_precision', 'pseudo_recall',
               'pseudo_f1', 'pseudo_count_ratio', 'confident_precision',
               'confident_recall', 'confident_count_ratio', 'unsup_weight')
#: What train_and_test adds to a run's record; a record written before
#: it did still reports.
RUN_EXTRAS = ('load_average_at_start', 'load_average_at_end',
              'train_command', 'best_checkpoint', 'train_segments')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--protocol', default=DEFAULT,
                        choices=list(PROTOCOLS))
    parser.add_argument('--methods', nargs='+',
                        help="default: the protocol's (labelled_only "
                        'full_label p2r_semi p2p_semi)')
    parser.add_argument('--extra-methods', nargs='+', default=[],
                        metavar='KEY=CONFIG',
                        help='more methods run with the same protocol '
                        '(e.g. a project config)')
    parser.add_argument('--seeds', nargs='+', type=int,
                        help="every method's seeds (default: each "
                        "method's in the protocol)")
    parser.add_argument('--work-dir',
                        help="default: the protocol's, e.g. "
                        'work_dirs/reproduce_synthetic')
    parser.add_argument('--out',
                        help='output path without extension (.md, .json); '
                        "default: the protocol's, e.g. "
                        'docs/results_synthetic')
    parser.add_argument('--results-dir',
                        help='where each finished run\'s numbers are kept '
                        '(<method>_seed<S>.json, small enough to commit); a '
                        'run found there or in its work dir is not trained '
                        "again; default: the protocol's, e.g. "
                        'docs/results_synthetic_runs')
    parser.add_argument('--baseline-results', metavar='DIR',
                        help='also read finished runs of the benchmark\'s '
                        'own methods from DIR (read only)')
    parser.add_argument('--plots', default=osp.join(REPO, 'docs', 'images'),
                        help='folder of the curves (empty: no plots)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='passed to every training and test run')
    parser.add_argument('--report-only', action='store_true',
                        help='rebuild the report from finished runs')
    parser.add_argument('--compare-to', metavar='JSON', nargs='+',
                        default=[],
                        help='earlier reports (e.g. of another generator '
                        'version, or before a change of the training '
                        'step) whose validity check the report repeats, '
                        'with the methods whose runs differ side by side')
    args = parser.parse_args(argv)
    args.protocol = PROTOCOLS[args.protocol]
    for key in ('work_dir', 'out', 'results_dir'):
        if getattr(args, key) is None:
            setattr(args, key, getattr(args.protocol, key))
    unknown = set(args.methods or []) - set(args.protocol.methods)
    if unknown:
        parser.error(f'--methods: {sorted(unknown)} not in protocol '
                     f'{args.protocol.name} (choose from '
                     f"{', '.join(args.protocol.methods)})")
    args.methods = list(args.methods or args.protocol.methods)
    METHODS.clear()
    METHODS.update(args.protocol.methods)
    for item in args.extra_methods:
        key, sep, config = item.partition('=')
        if not sep or not key or not config:
            parser.error(f'--extra-methods takes KEY=CONFIG, got {item!r}')
        if key in METHODS:
            parser.error(f'--extra-methods: {key!r} is a benchmark method')
        if not osp.isfile(osp.join(REPO, config)):
            parser.error(f'--extra-methods {key}: no config {config}')
        METHODS[key] = (key, config)
        args.methods.append(key)
    # An extra method runs every seed of the protocol's defaults.
    every = sorted({s for seeds in args.protocol.seeds.values()
                    for s in seeds})
    args.method_seeds = {
        m: list(args.seeds or args.protocol.seeds.get(m, every))
        for m in args.methods}
    return args


# ------------------------------------------------------------ one run
def run_tool(cmd, log_path):
    """Run a tool, its output to ``log_path``; raise with its tail."""
    # Projects' configs import ``projects.<name>`` (custom_imports).
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [REPO] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=REPO, stdout=log, env=env,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log_path) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{" ".join(cmd)} failed (log: {log_path}):\n'
                           f'{tail}')


def train_and_test(method, seed, run_dir, cfg_options):
    """Train one (method, seed), test its best and last checkpoints and
    write ``run_dir/result.json``; returns the result. A training that was
    cut (the runner stopped, the machine went away) resumes from its last
    checkpoint (see :func:`timed_training`)."""
    config = METHODS[method][1]
    os.makedirs(run_dir, exist_ok=True)
    train = ['tools/train.py', config, '--work-dir', repo_path(run_dir),
             '--cfg-options', f'randomness.seed={seed}', *cfg_options]
    segments = timed_training(train, run_dir)
    checkpoints = dict(best=best_checkpoint(run_dir),
                       last=last_checkpoint(run_dir))
    for which, ckpt in checkpoints.items():
        test_dir = osp.join(run_dir, f'test_{which}')
        run_tool([sys.executable, 'tools/test.py', config, ckpt,
                  '--work-dir', test_dir, '--out',
                  osp.join(test_dir, 'predictions.json'),
                  *(['--cfg-options', *cfg_options] if cfg_options else [])],
                 osp.join(run_dir, f'test_{which}.out'))
    result = collect_run(run_dir, method, seed,
                         sum(s['minutes'] for s in segments))
    result.update(load_average_at_start=segments[0]['load_average_at_start'],
                  load_average_at_end=segments[-1]['load_average_at_end'],
                  train_command=shlex.join(['python', *train]),
                  best_checkpoint=repo_path(checkpoints['best']))
    if len(segments) > 1:
        result['train_segments'] = segments
    with open(osp.join(run_dir, 'result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    return result


def timed_training(train, run_dir):
    """Run the training command ``train`` (tools/train.py's arguments) and
    return its timed segments: ``[{minutes, load_average_at_start,
    load_average_at_end, resumed_from}]``, kept in
    ``run_dir/train_segments.json`` as they start and end.

    A run whose earlier segment was cut resumes (``--resume``) from the
    last checkpoint it wrote; the cut segment counts the minutes up to
    that checkpoint (the work after it is done again) and has no load at
    its end. The load average around each segment tells whether other
    work on the machine slowed it down."""
    from machine import load_average
    path = osp.join(run_dir, 'train_segments.json')
    segments = []
    if osp.isfile(path):
        with open(path) as f:
            segments = json.load(f)
    resume = bool(segments) and osp.isfile(
        osp.join(run_dir, 'last_checkpoint'))
    if not resume:
        segments = []  # no segment left a checkpoint: start again
    elif segments[-1]['minutes'] is None:
        ckpt = last_checkpoint(run_dir)
        segments[-1]['minutes'] = max(
            0.0, (osp.getmtime(ckpt) - segments[-1].pop('started')) / 60)
    segments.append(dict(
        minutes=None, load_average_at_start=load_average(),
        load_average_at_end=None, started=time.time(),
        resumed_from=(osp.basename(last_checkpoint(run_dir))
                      if resume else None)))
    write_segments(segments, path)
    run_tool([sys.executable, *train, *(['--resume'] if resume else [])],
             osp.join(run_dir, f'train{len(segments) - 1 or ""}.out'))
    segments[-1].update(
        minutes=(time.time() - segments[-1].pop('started')) / 60,
        load_average_at_end=load_average())
    write_segments(segments, path)
    return segments


def write_segments(segments, path):
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(segments, f, indent=1)
    os.replace(tmp, path)


def repo_path(path):
    """``path`` relative to the repository when inside it (the commands
    and paths a report shows are run from there), else absolute."""
    path = osp.abspath(path)
    rel = osp.relpath(path, REPO)
    return path if rel.startswith('..') else rel


def keep_result(result, path):
    """Copy a finished run's numbers to the results folder."""
    if not osp.isfile(path):
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with open(path, 'w') as f:
            json.dump(result, f, indent=1)


def best_checkpoint(run_dir):
    found = sorted(glob.glob(osp.join(run_dir, 'best_*.pth')))
    if len(found) != 1:
        raise RuntimeError(f'{run_dir}: expected one best_*.pth, found '
                           f'{[osp.basename(p) for p in found]}')
    return found[0]


def last_checkpoint(run_dir):
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def read_scalars(log_root):
    """The entries of the ``vis_data/scalars.json`` files under
    ``log_root`` (MMEngine's LocalVisBackend: one JSON object a line; one
    file per start of the training, in time order): a resumed training's
    file replaces what the earlier ones logged from its first epoch on."""
    found = sorted(glob.glob(osp.join(log_root, '*', 'vis_data',
                                      'scalars.json')))
    if not found:
        raise FileNotFoundError(f'no vis_data/scalars.json under {log_root}')
    entries = []
    for path in found:
        with open(path) as f:
            new = [json.loads(line) for line in f if line.strip()]
        starts = [e['epoch'] for e in new if 'epoch' in e]
        if starts:
            entries = [e for e in entries
                       if e.get('epoch', e.get('step')) < starts[0]]
        entries += new
    return entries


def read_test_metrics(test_dir):
    """The metrics tools/test.py logged (``<timestamp>/<timestamp>.json``)."""
    for path in sorted(glob.glob(osp.join(test_dir, '*', '*.json')))[::-1]:
        with open(path) as f:
            for line in f:
                entry = json.loads(line)
                if 'mae' in entry:
                    return entry
    raise FileNotFoundError(f'no test metrics under {test_dir}')


def collect_run(run_dir, method, seed, train_minutes):
    """One run's numbers from the files its training and tests left."""
    val, train = [], []
    for entry in read_scalars(run_dir):
        if 'mae' in entry:
            val.append(dict(epoch=entry['step'], mae=entry['mae'],
                            rmse=entry['rmse'],
                            count_ratio=entry['count_ratio'],
                            f1_8=entry.get('loc/f1@8')))
        elif 'pseudo_points' in entry:
            train.append(dict(
                epoch=entry.get('epoch'), iter=entry.get('iter'),
                **{k: entry[k] for k in PSEUDO_KEYS if k in entry}))
    result = dict(method=method, seed=seed, config=METHODS[method][1],
                  train_minutes=train_minutes, val_history=val,
                  pseudo_history=train,
                  best_epoch=int(re.search(
                      r'epoch_(\d+)', best_checkpoint(run_dir)).group(1)))
    for which in ('best', 'last'):
        m = read_test_metrics(osp.join(run_dir, f'test_{which}'))
        result[f'test_{which}'] = dict(
            mae=m['mae'], rmse=m['rmse'], count_ratio=m['count_ratio'],
            f1_4=m.get('loc/f1@4'), f1_8=m.get('loc/f1@8'),
            # Every localisation metric the config logs (a project may
            # add its own, e.g. F1 of unrefined points).
            loc={k: v for k, v in m.items() if k.startswith('loc')})
    return result


# ------------------------------------------------------------ statistics
def aggregate(runs, protocol):
    """The JSON of the report: per method, one list entry per seed, and
    the verdicts of ``protocol``."""
    methods = {}
    for method in METHODS:
        rs = sorted((r for r in runs if r['method'] == method),
                    key=lambda r: r['seed'])
        if not rs:
            continue
        methods[method] = dict(
            name=METHODS[method][0], config=METHODS[method][1],
            seeds=[r['seed'] for r in rs],
            test_mae=[r['test_best']['mae'] for r in rs],
            test_rmse=[r['test_best']['rmse'] for r in rs],
            count_ratio=[r['test_best']['count_ratio'] for r in rs],
            test_f1_4=[r['test_best'].get('f1_4') for r in rs],
            test_f1_8=[r['test_best']['f1_8'] for r in rs],
            test_loc=[r['test_best'].get('loc', {}) for r in rs],
            best_epoch=[r['best_epoch'] for r in rs],
            last_test_mae=[r['test_last']['mae'] for r in rs],
            last_test_rmse=[r['test_last']['rmse'] for r in rs],
            last_count_ratio=[r['test_last']['count_ratio'] for r in rs],
            train_minutes=[r['train_minutes'] for r in rs],
            val_history=[r['val_history'] for r in rs],
            pseudo_by_epoch=[pseudo_by_epoch(r['pseudo_history'])
                             for r in rs])
        methods[method].update({key: [r.get(key) for r in rs]
                                for key in RUN_EXTRAS
                                if any(key in r for r in rs)})
    out = dict(methods=methods)
    out['validity'] = protocol.rules.check_validity(methods)
    out['claims'] = protocol.rules.claims(methods)
    return out


def pseudo_by_epoch(history):
    """Per training epoch, the mean of each pseudo-label statistic over
    its logged iterations."""
    epochs = {}
    for h in history:
        epochs.setdefault(h['epoch'], []).append(h)
    return [dict(epoch=e, **{k: float(np.mean([h[k] for h in hs]))
                             for k in PSEUDO_KEYS if k in hs[0]})
            for e, hs in sorted(epochs.items())]


def machine():
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return (f'{cpu}, {os.cpu_count()} CPUs, Python '
            f'{platform.python_version()}, torch {torch.__version__}')


def make_prerequisites(protocol, work_dir):
    """Run each of the protocol's prerequisite commands whose output is
    missing (its log beside the runs)."""
    for output, cmd in protocol.prerequisites:
        if osp.isfile(osp.join(REPO, output)):
            continue
        os.makedirs(work_dir, exist_ok=True)
        log = osp.join(work_dir, f'{osp.basename(osp.dirname(output))}.out')
        print(f'== making {output}: python {shlex.join(cmd)}', flush=True)
        run_tool([sys.executable, *cmd], log)
        if not osp.isfile(osp.join(REPO, output)):
            raise RuntimeError(f'python {shlex.join(cmd)} did not write '
                               f'{output} (log: {log})')


def main(argv=None):
    args = parse_args(argv)
    runs, prepared = [], False
    # Seed by seed, so that a stopped reproduction has whole seeds.
    for seed in sorted({s for seeds in args.method_seeds.values()
                        for s in seeds}):
        for method in args.methods:
            if seed not in args.method_seeds[method]:
                continue
            run_dir = osp.join(args.work_dir, method, f'seed{seed}')
            kept = osp.join(args.results_dir, f'{method}_seed{seed}.json')
            found = [kept, osp.join(run_dir, 'result.json')]
            if method in args.protocol.methods and args.baseline_results:
                found.append(osp.join(args.baseline_results,
                                      f'{method}_seed{seed}.json'))
            for k, done in enumerate(found):
                if osp.isfile(done):
                    with open(done) as f:
                        runs.append(json.load(f))
                    if k < 2:  # a baseline run stays where it is
                        keep_result(runs[-1], kept)
                    break
            else:
                done = None
            if done is not None:
                continue
            if args.report_only:
                print(f'skipped (not finished): {method} seed {seed}')
                continue
            if not prepared:
                make_prerequisites(args.protocol, args.work_dir)
                prepared = True
            print(f'== {METHODS[method][0]}, seed {seed}', flush=True)
            runs.append(train_and_test(method, seed, run_dir,
                                       args.cfg_options))
            keep_result(runs[-1], kept)
            t = runs[-1]['test_best']
            print(f"   test MAE {t['mae']:.2f} (epoch "
                  f"{runs[-1]['best_epoch']}), "
                  f"{runs[-1]['train_minutes']:.1f} min", flush=True)
    if not runs:
        raise SystemExit('no finished runs to report')
    data = aggregate(runs, args.protocol)
    data['machine'] = machine()
    data['protocol'] = args.protocol.rules.describe(args.protocol.methods)
    data['cfg_options'] = args.cfg_options
    data['earlier'] = []
    for path in args.compare_to:
        with open(path) as f:
            earlier = json.load(f)
        data['earlier'].append(dict(
            report=osp.relpath(osp.abspath(path), REPO),
            cfg_options=earlier.get('cfg_options', []),
            validity=earlier['validity'],
            methods={k: {key: m[key] for key in (
                'name', 'seeds', 'test_mae', 'last_test_mae',
                'last_count_ratio')}
                for k, m in earlier['methods'].items()}))
    write_report(data, args.out, args.plots, args.protocol)


if __name__ == '__main__':
    main()
