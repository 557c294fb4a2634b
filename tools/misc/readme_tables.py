"""Write the documentation's measured numbers from the JSON artefacts that
the benchmark and reproduction tools wrote, or check that they agree.

Usage:
    python tools/misc/readme_tables.py [--readme FILE ...] [--root DIR]
        [--check]

Without ``--readme``: every Markdown file that has a generated region
among README.md, ``docs/**/*.md`` and ``projects/*/README.md``.

A generated region of such a file is

    <!-- generated: BLOCK from ARTEFACT by tools/misc/readme_tables.py -->
    ...
    <!-- end generated -->

where BLOCK names a renderer below and ARTEFACT is a JSON file relative to
``--root`` (default: the repository). Without ``--check`` every region is
rewritten in place from its artefact; with ``--check`` nothing is written
and the exit status is 1 (with a diff) when a file differs from what the
artefacts give. Blocks and the tools that write their artefacts:

- loss_benchmark: tools/analysis_tools/benchmark_loss.py --json
- iteration_benchmark: tools/analysis_tools/benchmark_train_iteration.py
  --json
- onnx_benchmark: tools/analysis_tools/benchmark_onnx.py --json
- psam_spreads: tools/analysis_tools/psam_spreads.py --json
- benchmark_results, benchmark_claims, benchmark_pseudo_labels,
  benchmark_localization, benchmark_brief: the .json of
  tools/analysis_tools/reproduce_benchmark.py, of either protocol
  (synthetic, shb_cpu; also a project's report)
- main_job: tools/analysis_tools/time_main_job.py --json
- tta: tools/analysis_tools/measure_tta.py --json
"""
import argparse
import difflib
import glob
import importlib.util
import json
import os.path as osp
import re
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = 'tools/misc/readme_tables.py'
START = re.compile(r'<!-- generated: (?P<block>\w+) from (?P<artefact>\S+) '
                   r'by (?P<tool>\S+) -->')
END = '<!-- end generated -->'


class ArtefactError(Exception):
    """An artefact that is missing, unreadable or lacks what a block
    shows."""


# ------------------------------------------------------------ formatting
def times(text):
    """'16 x 256x256' -> '16 × 256×256'."""
    return re.sub(r'(\d) ?x ?(\d)', '\\1×\\2', text.replace(' x ', ' × '))


def duration(seconds):
    """'20.2 ms', '278 ms', '5.81 s'."""
    if seconds >= 1:
        return f'{seconds:.2f} s'
    ms = seconds * 1e3
    return f'{ms:.1f} ms' if ms < 100 else f'{ms:.0f} ms'


def ratio(value):
    """'14×'; one decimal below 10 ('2.7×')."""
    return f'{value:.0f}×' if value >= 10 else f'{value:.1f}×'


def machine_text(m, threads=None):
    """'x86_64 AMD EPYC, 2 cores (2 threads), torch 2.4.0+cpu' from the
    ``machine`` dict of an artefact (tools/analysis_tools/machine.py)."""
    threads = m.get('threads', threads)
    text = f"{m['machine']} {m['cpu']}, {m['cores']} cores"
    if threads is not None:
        text += f' ({threads} threads)'
    text += f", torch {m['torch']}"
    if m.get('onnxruntime'):
        text += f", onnxruntime {m['onnxruntime']}"
    if m.get('gpu'):
        text += f", GPU {m['gpu']}"
    return text


def load_text(m):
    """'load average 5.20 at the start, 5.70 at the end: the machine was
    shared with other jobs' (shared: a load of 0.5 or more before the
    measurement began; the measurement itself adds to the end value)."""
    start, end = m['load_average_at_start'], m['load_average_at_end']
    text = f'load average {start:.2f} at the start, {end:.2f} at the end'
    if start >= 0.5:
        text += ': the machine was shared with other jobs'
    return text


def table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return lines


# ------------------------------------------------------------ renderers
def render_loss_benchmark(data):
    results = data['results']
    devices = list(dict.fromkeys(r['device'] for r in results))
    pairs = {}
    for r in results:
        pairs.setdefault((r['device'], r['case']), {})[r['loss']] = r
    baseline = data.get('baseline')
    before = {(r['device'], r['case']): r
              for r in (baseline or {}).get('results', [])}
    rows, gaps = [], []
    for (device, case), pair in pairs.items():
        if set(pair) != {'p2r', 'p2p'}:
            raise ArtefactError(f'results of {sorted(pair)} only for one '
                                'case; each case needs p2r and p2p')
        p2r, p2p = pair['p2r'], pair['p2p']
        gap = p2p['median_s'] / p2r['median_s']
        gaps.append((times(p2r['label']), gap))
        row = [times(p2r['label']), duration(p2r['median_s']),
               f"{p2r['peak_rss_mb']:.0f} MB ({p2r['base_rss_mb']:.0f})",
               duration(p2p['median_s']), f"{p2p['peak_rss_mb']:.0f} MB",
               ratio(gap)]
        if baseline:
            old = before.get((device, case))
            row += ([duration(old['median_s']),
                     f"{p2r['median_s'] / old['median_s']:.2f}"]
                    if old else ['-', '-'])
        rows.append(([device] if len(devices) > 1 else []) + row)
    header = ['case', 'P2R time', 'P2R peak RSS (base)', 'P2P time',
              'P2P peak RSS', 'P2P / P2R']
    if baseline:
        header += [f"P2R time, {baseline['label']}", 'P2R now / then']
    lines = [
        f"Measured on {machine_text(data['machine'])} "
        f"({load_text(data['machine'])}); stride {data['stride']}, median "
        f"of {data['runs']} runs ({data['p2p_runs']} for P2P) after a "
        'warm-up:', '',
        *table((['device'] if len(devices) > 1 else []) + header, rows)]
    if len(gaps) > 1 and len(devices) == 1:
        lines += ['', f'P2P / P2R goes from {ratio(gaps[0][1])} '
                  f'({gaps[0][0]}) to {ratio(gaps[-1][1])} ({gaps[-1][0]}).']
    if baseline:
        lines += ['', f"The column “P2R time, {baseline['label']}” was "
                  f"measured on "
                  f"{machine_text(baseline['machine'])} "
                  f"({load_text(baseline['machine'])}), just before."]
    return lines


def layout_text(layout):
    """'4 labelled + 4 unlabelled 128×128 crops' from a batch layout."""
    sizes = sorted({tuple(s) for b in layout.values() for s in b['sizes']})
    size = ', '.join(f'{h}×{w}' for h, w in sizes) if len(sizes) < 3 else \
        'varied'
    if 'sup' in layout and 'unsup_teacher' in layout:
        return (f"{layout['sup']['images']} labelled + "
                f"{layout['unsup_teacher']['images']} unlabelled {size} "
                'crops')
    return f"{sum(b['images'] for b in layout.values())} {size} crops"


def render_iteration_benchmark(data):
    rows, shares = [], []
    for r in data['results']:
        rows.append([r['workers'], duration(r['wait_s']),
                     duration(r['step_s']), duration(r['sample_s'])])
        shares.append(f"{100 * r['wait_s'] / r['step_s']:.1f} % "
                      f"({r['workers']} workers)")
    branch = ('' if data.get('unsup_weight') is None else
              f", unlabelled branch on (w = {data['unsup_weight']:g})")
    return [
        f"`{data['config']}`: {layout_text(data['layout'])} per "
        f"iteration{branch}, median of {data['iters']} iterations after "
        f"{data['warmup']}, on {machine_text(data['machine'])} "
        f"({load_text(data['machine'])}):", '',
        *table(['dataloader workers', 'data wait / iteration',
                'train step / iteration', 'pipeline / sample'], rows), '',
        'Data wait / train step: ' + ', '.join(shares) + '.']


PARITY = re.compile(
    r'(?P<batch>\d+) x (?P<h>\d+)x(?P<w>\d+): max \|logit difference\| '
    r'(?P<diff>\S+) \(<= (?P<tol>\S+)\), count pytorch (?P<pt>\d+) / '
    r'onnxruntime (?P<ort>\d+): (?P<verdict>\w+)$')


def render_onnx_benchmark(data):
    by_backend = {r['backend']: r for r in data['results']}
    rows = [[r['backend'], duration(r['median_ms'] / 1e3),
             f"{duration(r['min_ms'] / 1e3).split()[0]}–"
             f"{duration(r['max_ms'] / 1e3)}",
             f"{r['peak_rss_mb']:.0f} MB",
             f"{r['rss_after_load_mb']:.0f} MB", r['count']]
            for r in data['results']]
    size = data['image_size']
    runs = data['results'][0]['runs']
    weights = data.get('weights', 'seeded random')
    weights = ('' if weights == 'seeded random' else
               f" with the weights `{weights}`")
    photo = data.get('image', 'generated')
    photo = '' if photo == 'generated' else f' (`{photo}`)'
    lines = [
        f"`{data['config']}`{weights} on one {size['width']}×{size['height']}"
        f" image{photo}, "
        f'median of {runs} runs, on '
        f"{machine_text(data['machine'], data['results'][0].get('threads'))}"
        f" ({load_text(data['machine'])}):", '',
        *table(['backend', 'median latency', 'min–max', 'peak RSS',
                'RSS after load', 'count'], rows)]
    checks = []
    for text in data.get('parity', []):
        m = PARITY.match(text)
        if m is None:
            raise ArtefactError(f'unreadable parity line {text!r}')
        checks.append(m)
    if checks:
        diffs = ', '.join(f"{float(m['diff']):.1e}" for m in checks)
        sizes = ', '.join(f"{m['batch']} × {m['h']}×{m['w']}"
                          for m in checks)
        same = all(m['pt'] == m['ort'] for m in checks)
        counts = ', '.join(m['pt'] if m['pt'] == m['ort'] else
                           f"{m['pt']} vs {m['ort']}" for m in checks)
        lines += ['', f"The export's parity check on this model: max |logit "
                  f'difference| {diffs} on {sizes}; counts '
                  f"{'identical' if same else 'pytorch vs onnxruntime'} "
                  f'({counts}).']
    if {'pytorch', 'onnxruntime'} <= set(by_backend):
        pt, ort = by_backend['pytorch'], by_backend['onnxruntime']
        extra = ort['peak_rss_mb'] - pt['peak_rss_mb']
        amount = (f'{abs(extra) / 1024:.1f} GB' if abs(extra) >= 100 else
                  f'{abs(extra):.0f} MB')
        lines += ['', f"onnxruntime's median latency is "
                  f"{ratio(pt['median_ms'] / ort['median_ms'])} lower than "
                  f"PyTorch's, at {amount} "
                  f"{'more' if extra >= 0 else 'less'} peak memory; the "
                  f"PyTorch process holds {pt['rss_after_load_mb']:.0f} MB "
                  'once the model is loaded.']
    return lines


def render_psam_spreads(data):
    radius = ("each head's P2R radius among the predicted points"
              if data.get('radius') is None else f"{data['radius']:g} px")
    rows = [[r['name'], r['images'], r['heads'],
             f"{r['mass_within_mean']:.3f}",
             f"{r['effective_area_mean']:.0f}"] for r in data['runs']]
    return [
        f"PSAMs of the top {data['top_k']} heads of each image (layer "
        f"`{data['layer']}`; mass_within radius: {radius}):", '',
        *table(['run', 'images', 'heads', 'mean mass_within',
                'mean effective area (px)'], rows)]


def reproduce_tool():
    """tools/analysis_tools/reproduce_benchmark.py, as a module."""
    path = osp.join(REPO, 'tools', 'analysis_tools', 'reproduce_benchmark.py')
    spec = importlib.util.spec_from_file_location('reproduce_benchmark', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_benchmark_results(data):
    methods = data['methods']
    return [
        f'{reproduce_tool().seeds_phrase(methods)}; test numbers at the '
        'checkpoint selected on the held-out validation split, mean ± '
        'standard deviation over the seeds; measured on '
        f"{data['machine']}:", '',
        *reproduce_tool().results_table(methods)]


def render_benchmark_claims(data):
    """The validity check and every claim the report holds, whichever its
    protocol (each claim key has its sentence)."""
    tool = reproduce_tool()
    parts = []
    if data.get('validity'):
        parts.append('Benchmark validity: ' +
                     tool.validity_sentence(data['validity']))
    parts += tool.claim_sentences(data.get('claims') or {})
    if not parts:
        raise ArtefactError('neither validity nor claims')
    return [' '.join(parts)]


def render_benchmark_pseudo_labels(data):
    lines = reproduce_tool().pseudo_summary_table(data['methods'])
    if not lines:
        raise ArtefactError('no method logged pseudo-label statistics')
    return ['The teacher\'s pseudo-points on the unlabelled crops against '
            'the annotations training never sees (one-to-one within 8 px; '
            'mean over the phase\'s epochs and the seeds):', '', *lines]


def render_benchmark_localization(data):
    lines = reproduce_tool().localization_table(data['methods'])
    if not lines:
        raise ArtefactError('no test run logged a localisation F1')
    return ['Localisation F1 on the test split at the validation-selected '
            'checkpoint (a predicted point matches one annotated head '
            'within the given distance in pixels), mean ± std over the '
            'seeds:', '', *lines]


def render_benchmark_brief(data):
    """One line: each method's test MAE and F1 at 4 and 8 px."""
    fmt = reproduce_tool().fmt
    parts = [f"{m['name']} MAE {fmt(m['test_mae'])}, F1@4 "
             f"{fmt(m.get('test_f1_4', []), 3)}, F1@8 "
             f"{fmt(m['test_f1_8'], 3)}"
             for m in data['methods'].values()]
    seeds = sorted({s for m in data['methods'].values() for s in m['seeds']})
    return [f"Measured (test split, validation-selected checkpoints, seeds "
            f"{', '.join(map(str, seeds))}): " + '; '.join(parts) + '.']


def render_tta(data):
    """Per model: its metrics without and with --tta, mean ± std over
    its checkpoints."""
    fmt = reproduce_tool().fmt
    groups = {}
    for run in data['runs']:
        groups.setdefault(run['name'], []).append(run)
    rows = []
    for name, runs in groups.items():
        row = [name, len(runs)]
        for key, digits in (('mae', 2), ('rmse', 2), ('count_ratio', 3),
                            ('loc/f1@8', 3)):
            for which in ('plain', 'tta'):
                row.append(fmt([r[which].get(key) for r in runs], digits))
        rows.append(row)
    return [f"Test split, {machine_text(data['machine'])}; mean ± std over "
            'each model\'s checkpoints (the value itself for one):', '',
            *table(['model', 'checkpoints', 'MAE', 'MAE, --tta', 'RMSE',
                    'RMSE, --tta', 'count ratio', 'count ratio, --tta',
                    'F1@8', 'F1@8, --tta'], rows)]


def render_main_job(data):
    t = data['test']
    text = (f"Timed by `tools/analysis_tools/time_main_job.py` from an empty "
            f"folder (data generation included) on {data['machine']}: "
            f"`{data['config']}` trains in {data['train_minutes']:.1f} min "
            f"and tests in {data['test_minutes']:.1f} min; test MAE "
            f"{t['mae']:.2f}, RMSE {t['rmse']:.2f}, predicted / true count "
            f"{t['count_ratio']:.3f}")
    rep = data.get('reported')
    if rep:
        names = getattr(reproduce_tool(), 'METHODS', {})
        name = names.get(rep['method'], (rep['method'], ))[0]
        text += (f", {'inside' if rep['inside'] else '**outside**'} the "
                 f"reported {name} spread ({rep['mean']:.2f} ± "
                 f"{rep['std']:.2f}, mean ± 2 std)")
    return [text + '.']


RENDERERS = {
    'loss_benchmark': render_loss_benchmark,
    'iteration_benchmark': render_iteration_benchmark,
    'onnx_benchmark': render_onnx_benchmark,
    'psam_spreads': render_psam_spreads,
    'benchmark_results': render_benchmark_results,
    'benchmark_claims': render_benchmark_claims,
    'benchmark_pseudo_labels': render_benchmark_pseudo_labels,
    'benchmark_localization': render_benchmark_localization,
    'benchmark_brief': render_benchmark_brief,
    'main_job': render_main_job,
    'tta': render_tta,
}


# ------------------------------------------------------------ the documents
def render(block, artefact, root):
    """The markdown text of one region (without its markers)."""
    if block not in RENDERERS:
        raise ArtefactError(f'unknown block {block!r} (known: '
                            f"{', '.join(RENDERERS)})")
    path = osp.join(root, artefact)
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise ArtefactError(f'cannot read {artefact}: {e.strerror}')
    except ValueError as e:
        raise ArtefactError(f'{artefact} is not JSON: {e}')
    try:
        return '\n'.join(RENDERERS[block](data))
    except ArtefactError as e:
        raise ArtefactError(f'{artefact}: {e}')
    except (KeyError, TypeError, IndexError) as e:
        raise ArtefactError(
            f'{artefact} is not what block {block!r} reads '
            f'({type(e).__name__}: {e}); was it written by the tool that '
            'the block names?')


def regenerate(text, root, name='README.md'):
    """``text`` with every generated region rendered anew."""
    out, pos = [], 0
    while True:
        start = START.search(text, pos)
        if start is None:
            break
        line = text.count('\n', 0, start.start()) + 1
        where = f'{name}:{line}'
        end = text.find(END, start.end())
        nested = START.search(text, start.end())
        if end < 0:
            raise ArtefactError(f'{where}: {start.group(0)} has no {END}')
        if nested is not None and nested.start() < end:
            raise ArtefactError(f'{where}: a region starts inside another')
        if start['tool'] != TOOL:
            raise ArtefactError(f'{where}: region names tool '
                                f"{start['tool']!r}, not {TOOL}")
        try:
            body = render(start['block'], start['artefact'], root)
        except ArtefactError as e:
            raise ArtefactError(f'{where}: {e}')
        out += [text[pos:start.end()], '\n\n', body, '\n\n', END]
        pos = end + len(END)
    if pos == 0:
        raise ArtefactError(f'{name}: no generated regions ({START.pattern})')
    return ''.join(out) + text[pos:]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--readme', nargs='+',
                        help='the files (default: those of README.md, '
                        'docs/**/*.md and projects/*/README.md that have '
                        'generated regions)')
    parser.add_argument('--root', default=REPO,
                        help='the artefact paths are relative to it')
    parser.add_argument('--check', action='store_true',
                        help='only compare; exit 1 with a diff if they differ')
    args = parser.parse_args(argv)
    if not args.readme:
        args.readme = documents_with_regions(REPO)
    return args


def documents_with_regions(repo):
    """README.md, then every ``docs/**/*.md`` and ``projects/*/README.md``
    that holds a generated region (README.md always: it must have one)."""
    found = sorted(glob.glob(osp.join(repo, 'docs', '**', '*.md'),
                             recursive=True))
    found += sorted(glob.glob(osp.join(repo, 'projects', '*', 'README.md')))
    return [osp.join(repo, 'README.md')] + [
        path for path in found
        if START.search(open(path, encoding='utf-8').read())]


def main(argv=None):
    args = parse_args(argv)
    status = 0
    for readme in args.readme:
        status = max(status, process(readme, args.root, args.check))
    return status


def process(readme, root, check):
    """Check or rewrite one file; returns the exit status."""
    try:
        with open(readme, encoding='utf-8') as f:
            text = f.read()
        new = regenerate(text, root, readme)
    except OSError as e:
        print(f'readme_tables: cannot read {readme}: {e.strerror}',
              file=sys.stderr)
        return 2
    except ArtefactError as e:
        print(f'readme_tables: {e}', file=sys.stderr)
        return 2
    if check:
        if new == text:
            print(f'{readme}: every generated region matches its '
                  'artefact')
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            text.splitlines(True), new.splitlines(True),
            f'{readme} (as written)', f'{readme} (from artefacts)'))
        print(f'{readme} differs from its artefacts: run '
              f'python {TOOL} to rewrite it', file=sys.stderr)
        return 1
    if new != text:
        with open(readme, 'w', encoding='utf-8') as f:
            f.write(new)
        print(f'rewrote the generated regions of {readme}')
    else:
        print(f'{readme}: already up to date')
    return 0


if __name__ == '__main__':
    sys.exit(main())
