"""Train every method of the synthetic crowd benchmark over several seeds
and write docs/results_synthetic.md (+ .json, + plots in docs/images/).

Usage:
    python tools/analysis_tools/reproduce_synthetic.py
        [--methods labelled_only full_label p2r_semi p2p_semi]
        [--extra-methods KEY=CONFIG ...] [--seeds 0 1 2 3 4] [--work-dir work_dirs/reproduce_synthetic]
        [--out docs/results_synthetic] [--results-dir DIR] [--report-only]
        [--cfg-options ...]

Each run is ``tools/train.py CONFIG --cfg-options randomness.seed=S`` in a
subprocess, in ``WORK_DIR/<method>/seed<S>/``. Validation runs on the
held-out ``val`` split and selects the best checkpoint (lowest 4 * MAE +
RMSE); ``tools/test.py`` then reads the test split once at that checkpoint
and once at the last one. A finished run's numbers go to
``--results-dir`` (``docs/results_synthetic_runs/<method>_seed<S>.json``,
committed with the report) and it is not trained again, so a reproduction
can be stopped and continued, on another machine too; ``--report-only``
rebuilds the report from the finished runs alone.

``--extra-methods KEY=CONFIG`` adds a method (a project's config, say) to
the same protocol; its runs are named by KEY. ``--baseline-results
docs/results_synthetic_runs`` also reads finished runs of the four
benchmark methods from there, so a project's report (with its own
``--results-dir``) compares with the benchmark's runs without training
them again.

What the report checks:

- benchmark validity (labelled-only and the oracle alone): the full-label
  oracle's mean test MAE <= 0.6 x labelled-only's, and each method's seed
  standard deviation <= 0.25 x the gap between the two means;
- the P2R paper's claims: (1) P2R-semi's mean test MAE <= 0.8 x
  labelled-only's; (2) P2P-semi over-counts: its predicted / true count
  well above 1 (> 1.2) at the last checkpoint and rising on validation
  from the first evaluation after the burn-in to the last (the ratio at
  the validation-selected checkpoint is reported next to it).
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import re
import subprocess
import sys
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METHODS = {
    'labelled_only': ('labelled-only', 'configs/supervised/synthetic_5pct.py'),
    'full_label': ('full-label oracle', 'configs/supervised/synthetic_full.py'),
    'p2r_semi': ('P2R-semi', 'configs/p2r/synthetic_5pct.py'),
    'p2p_semi': ('P2P-semi', 'configs/p2p/synthetic_5pct.py'),
}
CORE_METHODS = tuple(METHODS)
SEMI = ('p2r_semi', 'p2p_semi')
#: Pseudo-label statistics logged by SemiPointCounter (pseudo_quality).
PSEUDO_KEYS = ('pseudo_points', 'pseudo_precision', 'pseudo_recall',
               'pseudo_f1', 'pseudo_count_ratio', 'confident_precision',
               'confident_recall', 'confident_count_ratio', 'unsup_weight')
VALIDITY_RATIO, SPREAD_RATIO, CLAIM1_RATIO, OVERCOUNT = 0.6, 0.25, 0.8, 1.2
MIN_SEEDS = 3  # below this a spread, hence a verdict, means nothing


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=list(METHODS))
    parser.add_argument('--extra-methods', nargs='+', default=[],
                        metavar='KEY=CONFIG',
                        help='more methods run with the same protocol '
                        '(e.g. a project config)')
    parser.add_argument('--seeds', nargs='+', type=int,
                        default=[0, 1, 2, 3, 4])
    parser.add_argument('--work-dir', default='work_dirs/reproduce_synthetic')
    parser.add_argument('--out', default=osp.join(REPO, 'docs',
                                                  'results_synthetic'),
                        help='output path without extension (.md, .json)')
    parser.add_argument('--results-dir', default=osp.join(
        REPO, 'docs', 'results_synthetic_runs'),
                        help='where each finished run\'s numbers are kept '
                        '(<method>_seed<S>.json, small enough to commit); a '
                        'run found there or in its work dir is not trained '
                        'again')
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
    for item in args.extra_methods:
        key, sep, config = item.partition('=')
        if not sep or not key or not config:
            parser.error(f'--extra-methods takes KEY=CONFIG, got {item!r}')
        if key in METHODS:
            parser.error(f'--extra-methods: {key!r} is a benchmark method')
        if not osp.isfile(osp.join(REPO, config)):
            parser.error(f'--extra-methods {key}: no config {config}')
        # The registry of methods is module state: the report, its
        # aggregation and the README renderer all read names from it.
        METHODS[key] = (key, config)
        args.methods.append(key)
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
    write ``run_dir/result.json``; returns the result."""
    config = METHODS[method][1]
    os.makedirs(run_dir, exist_ok=True)
    start = time.time()
    run_tool([sys.executable, 'tools/train.py', config, '--work-dir',
              run_dir, '--cfg-options', f'randomness.seed={seed}',
              *cfg_options], osp.join(run_dir, 'train.out'))
    minutes = (time.time() - start) / 60
    checkpoints = dict(best=best_checkpoint(run_dir),
                       last=last_checkpoint(run_dir))
    for which, ckpt in checkpoints.items():
        test_dir = osp.join(run_dir, f'test_{which}')
        run_tool([sys.executable, 'tools/test.py', config, ckpt,
                  '--work-dir', test_dir, '--out',
                  osp.join(test_dir, 'predictions.json'),
                  *(['--cfg-options', *cfg_options] if cfg_options else [])],
                 osp.join(run_dir, f'test_{which}.out'))
    result = collect_run(run_dir, method, seed, minutes)
    with open(osp.join(run_dir, 'result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    return result


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
    """The entries of the newest ``vis_data/scalars.json`` under
    ``log_root`` (MMEngine's LocalVisBackend: one JSON object a line)."""
    found = sorted(glob.glob(osp.join(log_root, '*', 'vis_data',
                                      'scalars.json')))
    if not found:
        raise FileNotFoundError(f'no vis_data/scalars.json under {log_root}')
    with open(found[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


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
def aggregate(runs):
    """The JSON of the report: per method, one list entry per seed."""
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
    out = dict(methods=methods)
    out['validity'] = validity(methods)
    out['claims'] = claims(methods)
    return out


def mean_std(values):
    v = np.asarray([x for x in values if x is not None], float)
    if not len(v):
        return float('nan'), float('nan')
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def semi_methods(methods):
    """The methods whose runs logged pseudo-label statistics."""
    return [k for k, m in methods.items()
            if any(per_seed for per_seed in m['pseudo_by_epoch'])]


def pseudo_by_epoch(history):
    """Per training epoch, the mean of each pseudo-label statistic over
    its logged iterations."""
    epochs = {}
    for h in history:
        epochs.setdefault(h['epoch'], []).append(h)
    return [dict(epoch=e, **{k: float(np.mean([h[k] for h in hs]))
                             for k in PSEUDO_KEYS if k in hs[0]})
            for e, hs in sorted(epochs.items())]


def separation(labelled_only, oracle):
    """Supplementary to the verdict (which it does not change): Welch's
    t-test of the two MAE samples, and whether every labelled-only seed
    is worse than every oracle seed."""
    from scipy.stats import ttest_ind
    p = (float(ttest_ind(labelled_only, oracle, equal_var=False).pvalue)
         if min(len(labelled_only), len(oracle)) > 1 else None)
    return dict(welch_p=p, seeds_separated=bool(
        min(labelled_only) > max(oracle)))


def validity(methods):
    if not {'labelled_only', 'full_label'} <= set(methods):
        return None
    lab, lab_sd = mean_std(methods['labelled_only']['test_mae'])
    ora, ora_sd = mean_std(methods['full_label']['test_mae'])
    gap = lab - ora
    seeds = min(len(methods[k]['test_mae'])
                for k in ('labelled_only', 'full_label'))
    return dict(
        seeds=seeds, enough_seeds=seeds >= MIN_SEEDS,
        **separation(methods['labelled_only']['test_mae'],
                     methods['full_label']['test_mae']),
        labelled_only_mae=lab, labelled_only_std=lab_sd, full_label_mae=ora,
        full_label_std=ora_sd, ratio=ora / lab, gap=gap,
        headroom=ora <= VALIDITY_RATIO * lab,
        spread_small=max(lab_sd, ora_sd) <= SPREAD_RATIO * gap,
        fit=bool(seeds >= MIN_SEEDS and ora <= VALIDITY_RATIO * lab and
                 max(lab_sd, ora_sd) <= SPREAD_RATIO * gap))


def semi_schedule(config):
    """A semi-supervised config and its ``UnsupWeightHook`` settings."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    hook = next(h for h in cfg.custom_hooks if h.type == 'UnsupWeightHook')
    return cfg, hook


def burn_in_epochs(config):
    """The burn-in epochs of a semi-supervised config: the unlabelled
    branch trains after them."""
    return semi_schedule(config)[1].burn_in_epochs


def claims(methods):
    out = {}
    if {'p2r_semi', 'labelled_only'} <= set(methods):
        p2r = mean_std(methods['p2r_semi']['test_mae'])[0]
        lab = mean_std(methods['labelled_only']['test_mae'])[0]
        out['p2r_vs_labelled_only'] = dict(
            ratio=p2r / lab, holds=bool(p2r <= CLAIM1_RATIO * lab),
            seeds=min(len(methods[k]['test_mae'])
                      for k in ('p2r_semi', 'labelled_only')))
    if 'p2p_semi' in methods:
        m = methods['p2p_semi']
        burn = burn_in_epochs(m['config'])
        # Over-counting is what P2P training does to the model, so it is
        # read where training leads: the last checkpoint, and the
        # validation curve once the unlabelled branch has trained.
        after = [[h for h in hist if h['epoch'] > burn]
                 for hist in m['val_history']]
        if not all(after):
            raise ValueError('p2p_semi: no validation after the burn-in '
                             f'({burn} epochs), so no claim 2')
        curves = np.array([[h['count_ratio'] for h in hist]
                           for hist in after])
        first_epoch = after[0][0]['epoch']
        last = mean_std(m['last_count_ratio'])[0]
        rising = bool(curves[:, -1].mean() > curves[:, 0].mean())
        out['p2p_overcounts'] = dict(
            last_count_ratio=last,
            selected_count_ratio=mean_std(m['count_ratio'])[0],
            selected_epochs=list(m['best_epoch']),
            burn_in_epochs=burn, val_first_epoch=first_epoch,
            val_count_ratio_first=float(curves[:, 0].mean()),
            val_count_ratio_last=float(curves[:, -1].mean()),
            holds=bool(last > OVERCOUNT and rising))
    return out


# ------------------------------------------------------------ report
def fmt(values, digits=2):
    """``mean ± std``, or ``-`` when a run did not log the metric."""
    if not values or any(v is None for v in values):
        return '-'
    m, s = mean_std(values)
    return f'{m:.{digits}f} ± {s:.{digits}f}'


def results_table(methods):
    """The mean ± std table (also the README's results table)."""
    lines = ['| method | test MAE | test RMSE | predicted / true count | '
             'F1@4 | F1@8 | last-checkpoint MAE | training time |',
             '|---|---|---|---|---|---|---|---|']
    for key, m in methods.items():
        lines.append(
            f"| {m['name']} (`{m['config']}`) | {fmt(m['test_mae'])} | "
            f"{fmt(m['test_rmse'])} | {fmt(m['count_ratio'], 3)} | "
            f"{fmt(m.get('test_f1_4', []), 3)} | "
            f"{fmt(m['test_f1_8'], 3)} | {fmt(m['last_test_mae'])} | "
            f"{mean_std(m['train_minutes'])[0]:.1f} min |")
    return lines


def pseudo_summary_table(methods):
    """The teacher's pseudo-points in three phases, mean over the seeds:
    the first epoch that has any, the epochs at the full weight, the last
    epoch; ``[]`` when no method logged them."""
    lines = []
    for key in semi_methods(methods):
        m = methods[key]
        rows = {}
        for per_seed in m['pseudo_by_epoch']:
            for e in per_seed:
                if 'pseudo_precision' in e:
                    rows.setdefault(e['epoch'], []).append(e)
        if not rows:
            continue
        epochs = sorted(rows)
        top = max(np.mean([r['unsup_weight'] for r in rows[e]])
                  for e in epochs)
        plateau = [e for e in epochs
                   if np.mean([r['unsup_weight'] for r in rows[e]]) == top]
        span = (str(plateau[0]) if len(plateau) == 1 else
                f'{plateau[0]}–{plateau[-1]}')
        for label, chosen in (
                (f'{epochs[0]} (first)', [epochs[0]]),
                (f'{span} (w = {top:g})', plateau),
                (f'{epochs[-1]} (last)', [epochs[-1]])):
            picked = [r for e in chosen for r in rows[e]]

            def avg(name):
                return float(np.mean([r[name] for r in picked]))

            lines.append(
                f"| {m['name']} | {label} | {avg('pseudo_points'):.1f} | "
                f"{avg('pseudo_precision'):.3f} | "
                f"{avg('pseudo_recall'):.3f} | "
                f"{avg('pseudo_count_ratio'):.2f} |")
    if not lines:
        return []
    return ['| method | epochs | pseudo-points / crop | precision @ 8 px | '
            'recall @ 8 px | pseudo-points / hidden heads |',
            '|---|---|---|---|---|---|', *lines]


def localization_table(methods):
    """Every F1 the test runs logged (``<prefix>/f1@<px>``: a project
    may log more than the core's ``loc/``), mean ± std over the seeds."""
    keys = sorted({k for m in methods.values() for loc in
                   m.get('test_loc', []) for k in loc if '/f1@' in k})
    if not keys:
        return []
    lines = ['| method | ' + ' | '.join(f'`{k}`' for k in keys) + ' |',
             '|---|' + '---|' * len(keys)]
    for m in methods.values():
        cells = [fmt([loc.get(k) for loc in m.get('test_loc', [])], 3)
                 for k in keys]
        lines.append(f"| {m['name']} | " + ' | '.join(cells) + ' |')
    return lines


def claim_sentences(claims):
    """One sentence per measured claim (the report's and the README's)."""
    out = []
    if 'p2r_vs_labelled_only' in claims:
        c = claims['p2r_vs_labelled_only']
        out.append(
            f"Claim 1, P2R-semi mean MAE / labelled-only mean MAE = "
            f"{c['ratio']:.2f} (target ≤ {CLAIM1_RATIO}): "
            + ('holds.' if c['holds'] else '**does not hold**.'))
    if 'p2p_overcounts' in claims:
        c = claims['p2p_overcounts']
        epochs = ', '.join(map(str, c['selected_epochs']))
        out.append(
            f"Claim 2, P2P-semi predicted / true count "
            f"{c['last_count_ratio']:.3f} on test at the last checkpoint "
            f"(over-counting: > {OVERCOUNT}), "
            f"{c['val_count_ratio_first']:.3f} → "
            f"{c['val_count_ratio_last']:.3f} on validation from the first "
            f"evaluation after the burn-in (epoch {c['val_first_epoch']}) "
            'to the last: ' +
            ('holds' if c['holds'] else '**does not hold**') +
            f"; at the validation-selected checkpoints (epochs {epochs}, "
            f"burn-in {c['burn_in_epochs']} epochs) it is "
            f"{c['selected_count_ratio']:.3f}.")
    return out


def options_note(options):
    return f" (options `{' '.join(options)}`)" if options else ''


def validity_sentence(v):
    return (f"oracle {v['full_label_mae']:.2f} ± {v['full_label_std']:.2f} "
            f"vs labelled-only {v['labelled_only_mae']:.2f} ± "
            f"{v['labelled_only_std']:.2f} (ratio {v['ratio']:.2f}, gap "
            f"{v['gap']:.2f}): " +
            ('**fit**.' if v['fit'] else '**not fit** (' + ', '.join(
                t for t, ok in (
                    (f"only {v.get('seeds')} seed(s): no verdict yet",
                     v.get('enough_seeds', True)),
                    ('no headroom', v['headroom']),
                    ('seed spread too large', v['spread_small'])) if not ok)
             + ').') + separation_sentence(v))


def separation_sentence(v):
    """The supplementary evidence, when the report has it."""
    if v.get('welch_p') is None:
        return ''
    return (f" Welch's t-test of the two MAE samples: p = "
            f"{v['welch_p']:.2g}; " +
            ('every labelled-only seed is worse than every oracle seed.'
             if v['seeds_separated'] else
             'the two seed ranges overlap.'))


def earlier_table(earlier, methods):
    """Methods whose runs differ from the earlier report's, side by side:
    test MAE at the selected checkpoint, and at the last one with its
    count ratio."""
    changed = [k for k in methods if k in earlier and (
        earlier[k]['test_mae'] != methods[k]['test_mae'])]
    if not changed:
        return []
    lines = ['Methods re-run since that report (same seeds):', '',
             '| method | test MAE, earlier | test MAE, now | last MAE, '
             'earlier | last MAE, now | last count ratio, earlier | '
             'last count ratio, now |', '|---|---|---|---|---|---|---|']
    for k in changed:
        then, now = earlier[k], methods[k]
        lines.append(
            f"| {now['name']} | {fmt(then['test_mae'])} | "
            f"{fmt(now['test_mae'])} | {fmt(then['last_test_mae'])} | "
            f"{fmt(now['last_test_mae'])} | "
            f"{fmt(then['last_count_ratio'])} | "
            f"{fmt(now['last_count_ratio'])} |")
    return lines + ['']


def write_report(data, out, plots):
    methods = data['methods']
    seeds = sorted({s for m in methods.values() for s in m['seeds']})
    lines = [
        '# Synthetic crowd benchmark: measured results', '',
        'Written by `python tools/analysis_tools/reproduce_synthetic.py`; '
        'every number is measured by that script (machine at the end). '
        f'Seeds {seeds}; test numbers at the checkpoint selected on the '
        'held-out validation split (lowest 4 * MAE + RMSE), mean ± '
        'standard deviation over the seeds.', '',
        *results_table(methods), '']
    loc = localization_table(methods)
    if loc:
        lines += ['## Localisation (test, validation-selected checkpoint)',
                  '', *loc, '']
    if data.get('protocol'):
        lines += protocol_lines(data['protocol'])
    lines += generator_lines(data.get('cfg_options') or [])
    v = data['validity']
    if v:
        lines += [
            '## Benchmark validity', '',
            f"The benchmark can answer the question only if labelling every "
            f"image helps a lot: full-label oracle mean test MAE <= "
            f"{VALIDITY_RATIO} x labelled-only's, and each method's seed "
            f"standard deviation <= {SPREAD_RATIO} x the gap between them. "
            'Measured' + options_note(data.get('cfg_options')) + ': ' +
            validity_sentence(v), '']
    for e in data.get('earlier') or []:
        lines += [f"Earlier (`{e['report']}`" +
                  options_note(e['cfg_options']) + '): ' +
                  validity_sentence(e['validity']), '']
        lines += earlier_table(e.get('methods', {}), methods)
    sentences = claim_sentences(data['claims'])
    if sentences:
        lines += ["## The paper's claims, as measured here", '',
                  *[f'- {x}' for x in sentences], '']
    lines += ['## Per seed', '',
              '| method | seed | test MAE | test RMSE | count ratio | F1@8 '
              '| best epoch | last MAE | minutes |',
              '|---|---|---|---|---|---|---|---|---|']
    for m in methods.values():
        for i, seed in enumerate(m['seeds']):
            lines.append(
                f"| {m['name']} | {seed} | {m['test_mae'][i]:.2f} | "
                f"{m['test_rmse'][i]:.2f} | {m['count_ratio'][i]:.3f} | "
                f"{m['test_f1_8'][i]:.3f} | {m['best_epoch'][i]} | "
                f"{m['last_test_mae'][i]:.2f} | "
                f"{m['train_minutes'][i]:.1f} |")
    lines += ['', '## Validation curves (held-out split, mean over seeds)',
              '', '| method | epoch | MAE | predicted / true count |',
              '|---|---|---|---|']
    for m in methods.values():
        for k, h in enumerate(m['val_history'][0]):
            maes = [hist[k]['mae'] for hist in m['val_history']]
            ratios = [hist[k]['count_ratio'] for hist in m['val_history']]
            lines.append(f"| {m['name']} | {h['epoch']} | {fmt(maes)} | "
                         f"{fmt(ratios, 3)} |")
    semi = semi_methods(methods)
    if semi:
        lines += [
            '', '## Pseudo-labels against the hidden annotations', '',
            'The teacher\'s pseudo-points, matched one-to-one within 8 px '
            'to the annotations training never sees, in three phases (mean '
            'over the phase\'s epochs and the seeds):', '',
            *pseudo_summary_table(methods), '',
            'Per epoch, the mean over its logged iterations and the seeds: '
            'the teacher\'s pseudo-points on the unlabelled crops, matched '
            'one-to-one within 8 px to the annotations training never sees '
            '(all of them, and the confident ones that carry a loss '
            'weight); count ratio = pseudo-points / hidden heads.', '',
            '| method | epoch | w | pseudo-points / crop | precision | '
            'recall | F1 | count ratio | confident precision | confident '
            'recall |', '|---|---|---|---|---|---|---|---|---|---|']
        for key in semi:
            m = methods[key]
            for k, e in enumerate(m['pseudo_by_epoch'][0]):
                row = [per_seed[k] for per_seed in m['pseudo_by_epoch']
                       if len(per_seed) > k]

                def avg(name):
                    vals = [r[name] for r in row if name in r]
                    return float(np.mean(vals)) if vals else float('nan')

                lines.append(
                    f"| {m['name']} | {e['epoch']} | {avg('unsup_weight'):.1f}"
                    f" | {avg('pseudo_points'):.1f} | "
                    f"{avg('pseudo_precision'):.3f} | "
                    f"{avg('pseudo_recall'):.3f} | {avg('pseudo_f1'):.3f} | "
                    f"{avg('pseudo_count_ratio'):.3f} | "
                    f"{avg('confident_precision'):.3f} | "
                    f"{avg('confident_recall'):.3f} |")
    if plots:
        names = write_plots(methods, plots)
        rel = osp.relpath(plots, osp.dirname(osp.abspath(out)))
        lines += ['', *[f'![{n}]({rel}/{n})' for n in names]]
    lines += ['', f"Machine: {data['machine']}.", '']
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out + '.md', 'w') as f:
        f.write('\n'.join(lines))
    with open(out + '.json', 'w') as f:
        json.dump(data, f, indent=1)
    print('\n'.join(lines))


def write_plots(methods, folder):
    """Validation MAE and count ratio, and the pseudo-label precision and
    count ratio, per epoch (mean over seeds); returns the file names."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    os.makedirs(folder, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for m in methods.values():
        epochs = [h['epoch'] for h in m['val_history'][0]]
        for ax, key in zip(axes, ('mae', 'count_ratio')):
            ax.plot(epochs, np.mean([[h[key] for h in hist]
                                     for hist in m['val_history']], 0),
                    marker='o', label=m['name'])
    for ax, title in zip(axes, ('validation MAE', 'predicted / true count')):
        ax.set_xlabel('epoch')
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    names = ['synthetic_val_curves.png']
    fig.savefig(osp.join(folder, names[0]), dpi=90)
    plt.close(fig)
    semi = semi_methods(methods)
    if semi:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        for key in semi:
            m = methods[key]
            rows = m['pseudo_by_epoch'][0]
            epochs = [r['epoch'] for r in rows if 'pseudo_precision' in r]
            for ax, stat in zip(axes, ('pseudo_precision',
                                       'pseudo_count_ratio')):
                ys = [[r[stat] for r in per if stat in r]
                      for per in m['pseudo_by_epoch']]
                n = min(len(y) for y in ys)
                ax.plot(epochs[:n], np.mean([y[:n] for y in ys], 0),
                        marker='o', label=m['name'])
        for ax, title in zip(axes, ('pseudo-point precision @ 8 px',
                                    'pseudo-points / hidden heads')):
            ax.set_xlabel('epoch')
            ax.set_title(title)
            ax.grid(alpha=0.3)
        axes[0].legend()
        fig.tight_layout()
        names.append('synthetic_pseudo_labels.png')
        fig.savefig(osp.join(folder, names[1]), dpi=90)
        plt.close(fig)
    return names


def protocol(config='configs/p2r/synthetic_5pct.py'):
    """The schedule's phases as fractions of the training steps, computed
    from the semi-supervised config (next to the official run's)."""
    cfg, hook = semi_schedule(config)
    epochs = cfg.train_cfg.max_epochs
    burn, step, top = hook.burn_in_epochs, hook.step, hook.max_weight
    weights = [0.0 if e < burn else min(top, step * (e - burn))
               for e in range(epochs)]
    plateau = sum(w == top for w in weights)
    (lr, ) = cfg.param_scheduler
    return dict(
        epochs=epochs, burn_in=burn / epochs,
        ramp=(epochs - burn - plateau) / epochs, plateau=plateau / epochs,
        lr_decay_epoch=lr.milestones[0], lr_gamma=lr.gamma,
        lr_decayed=(epochs - lr.milestones[0]) / epochs,
        val_interval=cfg.train_cfg.val_interval,
        # Official P2R: 50 burn-in epochs, w reaches 2 at epoch 250, 1500.
        official=dict(burn_in=50 / 1500, ramp=200 / 1500,
                      plateau=1250 / 1500))


def protocol_lines(p):
    o = p['official']
    return [
        '## Protocol', '',
        f"Every method: the same narrow network and {p['epochs']} epochs of "
        "equally many optimiser steps of 4 labelled crops (the "
        "semi-supervised ones add 4 unlabelled crops), Adam lr 1e-3, "
        f"x{p['lr_gamma']} from epoch {p['lr_decay_epoch']} (the last "
        f"{p['lr_decayed']:.0%} of the steps). Validation every "
        f"{p['val_interval']} epochs on the held-out `val` split selects "
        'the checkpoint; the test split is read once per run at that '
        'checkpoint, and once at the last one.', '',
        f"Unlabelled weight: burn-in {p['burn_in']:.0%} of the steps, ramp "
        f"{p['ramp']:.0%}, plateau at w = 2 {p['plateau']:.0%} (official "
        f"P2R: {o['burn_in']:.0%} / {o['ramp']:.0%} / {o['plateau']:.0%}; "
        'the demo network starts from scratch, not from ImageNet weights, '
        'so its teacher needs a longer burn-in).', '']


def generator_lines(cfg_options=()):
    """What the generator varies per image (from its own constants), and
    which version these runs used."""
    from p2r_mm.datasets.synthetic import scene_layout, scene_style
    used = ('**These runs use the version 1 scenes** (`vary_style=False` '
            'in the options of the validity check below).'
            if any(o.endswith('vary_style=False') for o in cfg_options)
            else '')
    return [
        '## The generator', '',
        f'Generator version {scene_layout.GENERATOR_VERSION} '
        '(`p2r_mm/datasets/synthetic/`). Version 1 drew every image in one '
        'style; 10 labelled images (~900 heads) then covered the whole '
        'appearance space, and unlabelled images had nothing to add. '
        'Version 2 draws a scene style per image (`scene_style.py`, its own '
        'random stream; `SceneParams(vary_style=False)` gives the version 1 '
        'scenes): background family '
        f"({', '.join(scene_style.BACKGROUNDS)}), lighting and white "
        f"balance ({', '.join(scene_style.LIGHTING)}), clothes palette "
        f"({', '.join(scene_style.CLOTHES)}), hair, hats and back views, "
        'head size (x0.55 to x1.6) and perspective strength, camera blur, '
        'sensor noise and JPEG quality, and the number and kinds of '
        'distractors.' + (' ' + used if used else ''), '']


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


def main(argv=None):
    args = parse_args(argv)
    runs = []
    # Seed by seed, so that a stopped reproduction has whole seeds.
    for seed in args.seeds:
        for method in args.methods:
            run_dir = osp.join(args.work_dir, method, f'seed{seed}')
            kept = osp.join(args.results_dir, f'{method}_seed{seed}.json')
            found = [kept, osp.join(run_dir, 'result.json')]
            if method in CORE_METHODS and args.baseline_results:
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
    data = aggregate(runs)
    data['machine'] = machine()
    data['protocol'] = protocol()
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
    write_report(data, args.out, args.plots)


if __name__ == '__main__':
    main()
