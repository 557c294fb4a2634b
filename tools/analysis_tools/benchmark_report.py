"""The report of tools/analysis_tools/reproduce_benchmark.py (``.md``,
``.json`` and curves) from the aggregated runs, for any protocol of
benchmark_protocols.py; its tables are also the README's
(tools/misc/readme_tables.py).
"""
import json
import os
import os.path as osp

import numpy as np
from benchmark_protocols import DEFAULT, claim_sentences
from benchmark_rules import fmt, mean_std, seeds_phrase, validity_sentence


def semi_methods(methods):
    """The methods whose runs logged pseudo-label statistics."""
    return [k for k, m in methods.items()
            if any(per_seed for per_seed in m['pseudo_by_epoch'])]


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


def options_note(options):
    return f" (options `{' '.join(options)}`)" if options else ''


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


def load_cell(m, i):
    """The load average at the start and end of a run's training; '-' for
    a run recorded before the runner kept it."""
    start = (m.get('load_average_at_start') or [None] * (i + 1))[i]
    end = (m.get('load_average_at_end') or [None] * (i + 1))[i]
    if start is None or end is None:
        return '-'
    return f'{start:.2f} → {end:.2f}'


def per_seed_table(methods):
    # The load column only once a run has it, so that a report of older
    # run records reads as it did.
    loads = any('load_average_at_start' in m for m in methods.values())
    lines = ['| method | seed | test MAE | test RMSE | count ratio | F1@8 '
             '| best epoch | last MAE | minutes |' +
             (' load average, start → end |' if loads else ''),
             '|---|---|---|---|---|---|---|---|---|' + ('---|' if loads
                                                        else '')]
    for m in methods.values():
        for i, seed in enumerate(m['seeds']):
            lines.append(
                f"| {m['name']} | {seed} | {m['test_mae'][i]:.2f} | "
                f"{m['test_rmse'][i]:.2f} | {m['count_ratio'][i]:.3f} | "
                f"{m['test_f1_8'][i]:.3f} | {m['best_epoch'][i]} | "
                f"{m['last_test_mae'][i]:.2f} | "
                f"{m['train_minutes'][i]:.1f}{parts_note(m, i)} |" +
                (f' {load_cell(m, i)} |' if loads else ''))
    return lines


def parts_note(m, i):
    """' (2 parts)' for a run whose training was cut and resumed."""
    segments = (m.get('train_segments') or [None] * (i + 1))[i]
    return f' ({len(segments)} parts)' if segments else ''


def pseudo_epoch_table(methods):
    """Per semi-supervised method and epoch, the pseudo-label statistics
    averaged over the epoch's logged iterations and the seeds."""
    lines = []
    for key in semi_methods(methods):
        m = methods[key]
        for k, e in enumerate(m['pseudo_by_epoch'][0]):
            row = [per_seed[k] for per_seed in m['pseudo_by_epoch']
                   if len(per_seed) > k]

            def avg(name, spec):
                # '-' where no iteration of the epoch logged the value
                # (burn-in: the teacher has not pseudo-labelled yet).
                vals = [r[name] for r in row if name in r]
                return format(float(np.mean(vals)), spec) if vals else '-'

            cells = [avg('unsup_weight', '.1f'), avg('pseudo_points', '.1f')]
            cells += [avg(name, '.3f') for name in (
                'pseudo_precision', 'pseudo_recall', 'pseudo_f1',
                'pseudo_count_ratio', 'confident_precision',
                'confident_recall')]
            lines.append(f"| {m['name']} | {e['epoch']} | "
                         + ' | '.join(cells) + ' |')
    return lines


def write_report(data, out, plots, protocol):
    """Write ``out``.md and ``out``.json (and the curves into ``plots``
    unless it is empty) for the runs of ``protocol``."""
    methods = data['methods']
    command = 'python tools/analysis_tools/reproduce_benchmark.py' + (
        '' if protocol.name == DEFAULT else f' --protocol {protocol.name}')
    lines = [
        f'# {protocol.title}: measured results', '',
        f'Written by `{command}`; '
        'every number is measured by that script (machine at the end). '
        f'{seeds_phrase(methods)}; test numbers at the checkpoint selected '
        'on the held-out validation split (lowest 4 * MAE + RMSE), mean ± '
        'standard deviation over the seeds.', '',
        *results_table(methods), '']
    loc = localization_table(methods)
    if loc:
        lines += ['## Localisation (test, validation-selected checkpoint)',
                  '', *loc, '']
    lines += protocol.rules.sections(data)
    v = data['validity']
    if v:
        lines += [
            '## Benchmark validity', '',
            f'{protocol.rules.VALIDITY_RULE} Measured' +
            options_note(data.get('cfg_options')) + ': ' +
            validity_sentence(v), '']
    for e in data.get('earlier') or []:
        lines += [f"Earlier (`{e['report']}`" +
                  options_note(e['cfg_options']) + '): ' +
                  validity_sentence(e['validity']), '']
        # Side by side only when the earlier runs had the same data and
        # options: then a difference is a re-run of the method.
        if e['cfg_options'] == (data.get('cfg_options') or []):
            lines += earlier_table(e.get('methods', {}), methods)
    sentences = claim_sentences(data['claims'])
    if sentences:
        lines += ["## The paper's claims, as measured here", '',
                  *[f'- {x}' for x in sentences], '']
    elif v and not v['fit'] and not semi_methods(methods):
        lines += ["## The paper's claims, as measured here", '',
                  'Not tested. The protocol runs the semi-supervised methods '
                  'only on a fit benchmark (labelled-only and the oracle '
                  'first): where labelling every image helps this little, '
                  'no semi-supervised method could show what unlabelled '
                  'images add.', '']
    lines += ['## Per seed', '', *per_seed_table(methods)]
    lines += ['', '## Validation curves (held-out split, mean over seeds)',
              '', '| method | epoch | MAE | predicted / true count |',
              '|---|---|---|---|']
    for m in methods.values():
        for k, h in enumerate(m['val_history'][0]):
            maes = [hist[k]['mae'] for hist in m['val_history']]
            ratios = [hist[k]['count_ratio'] for hist in m['val_history']]
            lines.append(f"| {m['name']} | {h['epoch']} | {fmt(maes)} | "
                         f"{fmt(ratios, 3)} |")
    if semi_methods(methods):
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
            'recall |', '|---|---|---|---|---|---|---|---|---|---|',
            *pseudo_epoch_table(methods)]
    appendix = protocol.rules.appendix(data)
    if appendix:
        lines += ['', *appendix]
    if plots:
        names = write_plots(methods, plots, protocol.plot_prefix)
        rel = osp.relpath(plots, osp.dirname(osp.abspath(out)))
        lines += ['', *[f'![{n}]({rel}/{n})' for n in names]]
    lines += ['', f"Machine: {data['machine']}.", '']
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out + '.md', 'w') as f:
        f.write('\n'.join(lines))
    with open(out + '.json', 'w') as f:
        json.dump(data, f, indent=1)
    print('\n'.join(lines))


def write_plots(methods, folder, prefix='synthetic'):
    """Validation MAE and count ratio, and the pseudo-label precision and
    count ratio, per epoch (mean over seeds), as
    ``<prefix>_val_curves.png`` and ``<prefix>_pseudo_labels.png``;
    returns the file names."""
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
    names = [f'{prefix}_val_curves.png']
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
        names.append(f'{prefix}_pseudo_labels.png')
        fig.savefig(osp.join(folder, names[1]), dpi=90)
        plt.close(fig)
    return names
