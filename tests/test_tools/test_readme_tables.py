"""tools/misc/readme_tables.py: the measured numbers of the README and of
docs/ against the committed artefacts, and each block's renderer on small
artefacts."""
import importlib.util
import json
import os.path as osp
import re
import subprocess
import sys

import pytest

from .test_train_test_tools import REPO

spec = importlib.util.spec_from_file_location(
    'readme_tables', osp.join(REPO, 'tools', 'misc', 'readme_tables.py'))
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

MACHINE = dict(cpu='Test CPU', cores=2, machine='x86_64', python='3.11.7',
               torch='2.4.0+cpu', threads=2, gpu=None,
               load_average_at_start=1.25, load_average_at_end=2.5)


def readme_tables(*args):
    return subprocess.run(
        [sys.executable, 'tools/misc/readme_tables.py', *map(str, args)],
        cwd=REPO, capture_output=True, text=True, timeout=120)


def region(block, artefact):
    return (f'<!-- generated: {block} from {artefact} by '
            'tools/misc/readme_tables.py -->\nstale\n<!-- end generated -->')


# ------------------------------------------------------------ the docs
def documents():
    """{path relative to the repository: text} of the files the tool
    covers by default."""
    return {osp.relpath(path, REPO): open(path, encoding='utf-8').read()
            for path in tool.documents_with_regions(REPO)}


def test_the_docs_match_their_artefacts():
    out = readme_tables('--check')
    assert out.returncode == 0, out.stdout + out.stderr
    docs = documents()
    for name in docs:
        assert f'{name}: every generated region matches' in out.stdout
    blocks = {block for text in docs.values()
              for block, _, _ in tool.START.findall(text)}
    assert blocks >= {
        'loss_benchmark', 'iteration_benchmark', 'onnx_benchmark',
        'benchmark_results', 'benchmark_claims', 'benchmark_pseudo_labels',
        'main_job', 'psam_spreads', 'tta', 'benchmark_brief'}
    readme = {block for block, _, _ in tool.START.findall(docs['README.md'])}
    assert readme >= {'benchmark_results', 'benchmark_claims', 'main_job'}


def test_every_file_with_regions_is_covered(tmp_path):
    """README.md always; docs/**/*.md and projects/*/README.md when they
    hold a region, at any depth under docs/."""
    for name in ('README.md', 'docs/a.md', 'docs/guides/b.md',
                 'docs/plain.md', 'projects/x/README.md',
                 'projects/y/README.md', 'projects/x/notes.md'):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('text\n' if 'plain' in name or 'y/' in name else
                        region('main_job', 'docs/main_job.json') + '\n')
    found = [osp.relpath(path, tmp_path)
             for path in tool.documents_with_regions(str(tmp_path))]
    assert found == ['README.md', 'docs/a.md', 'docs/guides/b.md',
                     'projects/x/README.md']
    repo = [osp.relpath(path, REPO)
            for path in tool.documents_with_regions(REPO)]
    assert any(name.startswith('docs/') for name in repo)


def test_a_number_edited_by_hand_fails_the_check(tmp_path):
    (name, text), = [(name, text) for name, text in documents().items()
                     if '<!-- generated: loss_benchmark' in text]
    start = text.index('<!-- generated: loss_benchmark')
    # The first table cell with a time, e.g. "| 20.2 ms |" -> "| 30.2 ms |".
    cell = re.compile(r'\| (\d)[\d.]* m?s \|').search(
        text, start, text.index(tool.END, start))
    assert cell is not None
    digit = str(int(cell.group(1)) % 9 + 1)
    edited = text[:cell.start(1)] + digit + text[cell.end(1):]
    line_start = text.rindex('\n', 0, cell.start()) + 1
    line_end = text.index('\n', cell.end())
    readme = tmp_path / osp.basename(name)
    readme.write_text(edited, encoding='utf-8')
    out = readme_tables('--readme', readme, '--root', REPO, '--check')
    assert out.returncode == 1, out.stdout + out.stderr
    assert '\n-' + edited[line_start:line_end] + '\n' in out.stdout
    assert '\n+' + text[line_start:line_end] + '\n' in out.stdout
    assert 'differs from its artefacts' in out.stderr
    assert readme.read_text(encoding='utf-8') == edited  # --check writes not
    # Without --check the region is written back from the artefact.
    assert readme_tables('--readme', readme, '--root', REPO).returncode == 0
    assert readme.read_text(encoding='utf-8') == text


def test_regions_render_from_the_named_artefact(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'main_job.json').write_text(json.dumps(MAIN_JOB))
    readme = tmp_path / 'README.md'
    readme.write_text('# t\n\nbefore\n\n' +
                      region('main_job', 'docs/main_job.json') +
                      '\n\nafter\n')
    assert readme_tables('--readme', readme, '--root', tmp_path,
                         '--check').returncode == 1
    out = readme_tables('--readme', readme, '--root', tmp_path)
    assert out.returncode == 0, out.stderr
    text = readme.read_text()
    assert text.startswith('# t\n\nbefore\n\n<!-- generated: main_job')
    assert text.endswith('<!-- end generated -->\n\nafter\n')
    assert 'stale' not in text and 'test MAE 9.50' in text
    out = readme_tables('--readme', readme, '--root', tmp_path, '--check')
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize('readme_text, artefact, message', [
    (region('nonsense', 'docs/x.json'), None, "unknown block 'nonsense'"),
    (region('main_job', 'docs/none.json'), None,
     'README.md:1: cannot read docs/none.json'),
    (region('main_job', 'docs/x.json'), '{"config": "c"}',
     "docs/x.json is not what block 'main_job' reads (KeyError"),
    (region('main_job', 'docs/x.json'), '{oops', 'docs/x.json is not JSON'),
    ('text\n' + region('main_job', 'docs/x.json').replace(
        tool.END, ''), '{}', 'README.md:2: '),
    ('no regions at all\n', None, 'no generated regions'),
])
def test_bad_readmes_and_artefacts_are_named(tmp_path, readme_text, artefact,
                                             message):
    (tmp_path / 'docs').mkdir()
    if artefact is not None:
        (tmp_path / 'docs' / 'x.json').write_text(artefact)
    readme = tmp_path / 'README.md'
    readme.write_text(readme_text)
    out = readme_tables('--readme', readme, '--root', tmp_path, '--check')
    assert out.returncode == 2 and message in out.stderr, out.stderr


# ------------------------------------------------------------ renderers
def loss_entry(case, loss, seconds, peak, label):
    return dict(case=case, label=label, loss=loss, device='cpu',
                median_s=seconds, min_s=seconds, peak_rss_mb=peak,
                base_rss_mb=350.4)


LOSS = dict(machine=MACHINE, stride=4, runs=7, p2p_runs=3, results=[
    loss_entry('a', 'p2r', 0.0202, 371.2, '16 x 256x256 crops'),
    loss_entry('a', 'p2p', 0.278, 401.0, '16 x 256x256 crops'),
    loss_entry('b', 'p2r', 0.0446, 387.0, '2048x1536, 1300 pts'),
    loss_entry('b', 'p2p', 5.81, 4280.0, '2048x1536, 1300 pts'),
])


def test_loss_benchmark_renderer():
    lines = tool.render_loss_benchmark(LOSS)
    text = '\n'.join(lines)
    assert ('x86_64 Test CPU, 2 cores (2 threads), torch 2.4.0+cpu' in text
            and 'load average 1.25 at the start, 2.50 at the end' in text
            and 'shared with other jobs' in text)
    assert '| 16 × 256×256 crops | 20.2 ms | 371 MB (350) | 278 ms | ' \
        '401 MB | 14× |' in lines
    assert '| 2048×1536, 1300 pts | 44.6 ms | 387 MB (350) | 5.81 s | ' \
        '4280 MB | 130× |' in lines
    assert lines[-1] == ('P2P / P2R goes from 14× (16 × 256×256 crops) to '
                         '130× (2048×1536, 1300 pts).')
    idle = dict(LOSS, machine=dict(MACHINE, load_average_at_start=0.1))
    assert 'load average 0.10 at the start, 2.50 at the end);' in \
        tool.render_loss_benchmark(idle)[0]
    with pytest.raises(tool.ArtefactError, match='needs p2r and p2p'):
        tool.render_loss_benchmark(dict(LOSS, results=LOSS['results'][:1]))


def test_loss_benchmark_renderer_with_a_baseline():
    old = dict(machine=dict(MACHINE, load_average_at_start=0.2),
               results=[loss_entry('a', 'p2r', 0.0101, 360.0, 'crops')])
    lines = tool.render_loss_benchmark(
        dict(LOSS, baseline=dict(label='before X', **old)))
    assert lines[2].endswith('| P2R time, before X | P2R now / then |')
    assert '| 16 × 256×256 crops | 20.2 ms | 371 MB (350) | 278 ms | ' \
        '401 MB | 14× | 10.1 ms | 2.00 |' in lines
    # a case the baseline did not measure
    assert lines[5].endswith('| 130× | - | - |')
    assert lines[-1].startswith(
        'The column “P2R time, before X” was measured on x86_64')
    assert 'load average 0.20 at the start' in lines[-1]


ITERATION = dict(
    config='configs/p2r/synthetic_5pct.py', machine=MACHINE, iters=30,
    warmup=5, unsup_weight=1.0,
    layout=dict(sup=dict(images=4, sizes=[[128, 128]]),
                unsup_teacher=dict(images=4, sizes=[[128, 128]]),
                unsup_student=dict(images=4, sizes=[[128, 128]])),
    results=[dict(workers=0, batch=8, wait_s=0.027, step_s=0.506,
                  sample_s=0.0026),
             dict(workers=2, batch=8, wait_s=0.004, step_s=0.534,
                  sample_s=0.0023)])


def test_iteration_benchmark_renderer():
    lines = tool.render_iteration_benchmark(ITERATION)
    assert lines[0].startswith(
        '`configs/p2r/synthetic_5pct.py`: 4 labelled + 4 unlabelled 128×128 '
        'crops per iteration, unlabelled branch on (w = 1), median of 30 '
        'iterations after 5, on x86_64 Test CPU')
    assert '| 0 | 27.0 ms | 506 ms | 2.6 ms |' in lines
    assert '| 2 | 4.0 ms | 534 ms | 2.3 ms |' in lines
    assert lines[-1] == ('Data wait / train step: 5.3 % (0 workers), '
                         '0.7 % (2 workers).')
    sup = dict(ITERATION, unsup_weight=None,
               layout=dict(inputs=dict(images=8, sizes=[[256, 256]])))
    first = tool.render_iteration_benchmark(sup)[0]
    assert '8 256×256 crops per iteration, median' in first


ONNX = dict(
    config='configs/supervised/sha_5pct.py',
    image_size=dict(width=1024, height=768),
    # benchmark_onnx.py keeps the threads per backend, not in the machine.
    machine=dict({k: v for k, v in MACHINE.items() if k != 'threads'},
                 onnxruntime='1.20.0'),
    parity=['2 x 256x256: max |logit difference| 3.35e-08 (<= 0.0001), '
            'count pytorch 6023 / onnxruntime 6023: ok',
            '1 x 320x480: max |logit difference| 2.98e-08 (<= 0.0001), '
            'count pytorch 7123 / onnxruntime 7123: ok'],
    results=[dict(backend='pytorch', threads=2, median_ms=5474.0,
                  min_ms=5276.0, max_ms=5912.0, runs=10, count=36675,
                  rss_after_load_mb=421.9, peak_rss_mb=1100.0),
             dict(backend='onnxruntime', threads=2, median_ms=2052.8,
                  min_ms=1157.4, max_ms=3642.3, runs=10, count=36675,
                  rss_after_load_mb=535.0, peak_rss_mb=1431.7)])


def test_onnx_benchmark_renderer():
    lines = tool.render_onnx_benchmark(ONNX)
    assert lines[0].startswith(
        '`configs/supervised/sha_5pct.py` on one 1024×768 image, median of '
        '10 runs, on x86_64 Test CPU, 2 cores (2 threads), torch 2.4.0+cpu, '
        'onnxruntime 1.20.0 (load average 1.25')
    assert '| pytorch | 5.47 s | 5.28–5.91 s | 1100 MB | 422 MB | 36675 |' \
        in lines
    assert '| onnxruntime | 2.05 s | 1.16–3.64 s | 1432 MB | 535 MB | ' \
        '36675 |' in lines
    assert ("The export's parity check on this model: max |logit "
            'difference| 3.4e-08, 3.0e-08 on 2 × 256×256, 1 × 320×480; '
            'counts identical (6023, 7123).') in lines
    assert lines[-1] == ("onnxruntime's median latency is 2.7× lower than "
                         "PyTorch's, at 0.3 GB more peak memory; the PyTorch "
                         'process holds 422 MB once the model is loaded.')
    shipped = tool.render_onnx_benchmark(dict(
        ONNX, config='p2r_mm/weights/m.py',
        weights='p2r_mm/weights/m-0123abcd.pth', image='data/IMG_1.jpg'))
    assert shipped[0].startswith(
        '`p2r_mm/weights/m.py` with the weights '
        '`p2r_mm/weights/m-0123abcd.pth` on one 1024×768 image '
        '(`data/IMG_1.jpg`), median of 10 runs')
    bad = dict(ONNX, parity=['2 x 256x256: something else'])
    with pytest.raises(tool.ArtefactError, match='unreadable parity line'):
        tool.render_onnx_benchmark(bad)


def test_psam_spreads_renderer():
    data = dict(top_k=5, layer='neck', radius=None, images=['a', 'b'],
                runs=[dict(name='P2R-semi', images=2, heads=10,
                           mass_within_mean=0.9412, effective_area_mean=771.4),
                      dict(name='P2P-semi', images=2, heads=9,
                           mass_within_mean=0.996, effective_area_mean=696.0)])
    lines = tool.render_psam_spreads(data)
    assert lines[0] == ('PSAMs of the top 5 heads of each image (layer '
                        "`neck`; mass_within radius: each head's P2R radius "
                        'among the predicted points):')
    assert '| P2R-semi | 2 | 10 | 0.941 | 771 |' in lines
    assert '| P2P-semi | 2 | 9 | 0.996 | 696 |' in lines
    fixed = tool.render_psam_spreads(dict(data, radius=16.0))
    assert 'mass_within radius: 16 px' in fixed[0]


def method(name, config, mae, ratio, minutes):
    return dict(name=name, config=config, seeds=[0, 1], test_mae=mae,
                test_rmse=[m + 2 for m in mae], count_ratio=ratio,
                test_f1_4=[0.5, 0.6], test_f1_8=[0.7, 0.8],
                test_loc=[{'loc/f1@4': 0.5, 'loc/f1@8': 0.7},
                          {'loc/f1@4': 0.6, 'loc/f1@8': 0.8}],
                last_test_mae=[m + 1 for m in mae],
                train_minutes=minutes,
                val_history=[[dict(epoch=2, mae=9.0, count_ratio=1.0),
                              dict(epoch=4, mae=8.0, count_ratio=r)]
                             for r in ratio])


SYNTHETIC = dict(
    methods=dict(
        labelled_only=method('labelled-only',
                             'configs/supervised/synthetic_5pct.py',
                             [10.0, 12.0], [1.0, 1.02], [5.0, 7.0]),
        p2p_semi=method('P2P-semi', 'configs/p2p/synthetic_5pct.py',
                        [20.0, 30.0], [1.3, 1.5], [10.0, 12.0])),
    validity=dict(labelled_only_mae=11.0, labelled_only_std=1.41,
                  full_label_mae=4.5, full_label_std=0.5, ratio=0.41,
                  gap=6.5, headroom=True, spread_small=True, fit=True),
    claims=dict(p2r_vs_labelled_only=dict(ratio=0.727, holds=True),
                p2p_overcounts=dict(last_count_ratio=1.4,
                                    selected_count_ratio=1.1,
                                    selected_epochs=[4, 6],
                                    burn_in_epochs=4, val_first_epoch=6,
                                    val_count_ratio_first=1.0,
                                    val_count_ratio_last=1.4, holds=True)),
    machine='Test CPU, 2 CPUs, Python 3.11.7, torch 2.4.0+cpu')


def test_benchmark_results_renderer():
    lines = tool.render_benchmark_results(SYNTHETIC)
    assert lines[0] == (
        'Seeds 0, 1; test numbers at the checkpoint selected on the held-out '
        'validation split, mean ± standard deviation over the seeds; '
        'measured on Test CPU, 2 CPUs, Python 3.11.7, torch 2.4.0+cpu:')
    rows = [line for line in lines if line.startswith('| labelled-only')]
    assert rows == ['| labelled-only (`configs/supervised/synthetic_5pct.py`)'
                    ' | 11.00 ± 1.41 | 13.00 ± 1.41 | 1.010 ± 0.014 | '
                    '0.550 ± 0.071 | 0.750 ± 0.071 | 12.00 ± 1.41 | 6.0 min |']
    assert any(line.startswith('| P2P-semi (`configs/p2p/synthetic_5pct.py`)'
                               ' | 25.00 ± 7.07 |') for line in lines)


def test_results_of_a_running_reproduction_name_each_methods_seeds():
    # P2P-semi has one seed so far: its values are one run's, without ±.
    methods = dict(SYNTHETIC['methods'])
    p2p = dict(methods['p2p_semi'])
    for key in ('seeds', 'test_mae', 'test_rmse', 'count_ratio',
                'test_f1_4', 'test_f1_8', 'test_loc', 'last_test_mae',
                'train_minutes', 'val_history'):
        p2p[key] = p2p[key][:1]
    methods['p2p_semi'] = p2p
    lines = tool.render_benchmark_results(dict(SYNTHETIC, methods=methods))
    assert lines[0].startswith(
        'Seeds: labelled-only 0, 1; P2P-semi 0 (a value without ± is one '
        'run); test numbers')
    mae = p2p['test_mae'][0]
    (row, ) = [line for line in lines if line.startswith('| P2P-semi')]
    assert row.startswith(f'| P2P-semi (`configs/p2p/synthetic_5pct.py`) '
                          f'| {mae:.2f} |')
    assert '± 0.00' not in row


def test_benchmark_claims_renderer():
    (line, ) = tool.render_benchmark_claims(SYNTHETIC)
    assert line.startswith('Benchmark validity: oracle 4.50 ± 0.50 vs '
                           'labelled-only 11.00 ± 1.41 (ratio 0.41, gap '
                           '6.50): **fit**.')
    assert ('Claim 1, P2R-semi mean MAE / labelled-only mean MAE = 0.73 '
            '(target ≤ 0.8): holds.') in line
    assert ('Claim 2, P2P-semi predicted / true count 1.400 on test at '
            'the last checkpoint (over-counting: > 1.2), 1.000 → 1.400 on '
            'validation from the first evaluation after the burn-in (epoch '
            '6) to the last: holds; at the validation-selected checkpoints '
            '(epochs 4, 6, burn-in 4 epochs) it is 1.100.') in line
    failed = dict(SYNTHETIC, validity=None, claims=dict(
        p2r_vs_labelled_only=dict(ratio=1.3, holds=False)))
    assert tool.render_benchmark_claims(failed) == [
        'Claim 1, P2R-semi mean MAE / labelled-only mean MAE = 1.30 (target '
        '≤ 0.8): **does not hold**.']
    with pytest.raises(tool.ArtefactError):
        tool.render_benchmark_claims(dict(SYNTHETIC, validity=None,
                                          claims={}))


# The shb_cpu protocol's report (reproduce_benchmark.py --protocol shb_cpu):
# a validity check without a spread rule and its own two claims.
SHB_CPU = dict(
    SYNTHETIC,
    validity=dict(labelled_only_mae=31.0, labelled_only_std=1.58,
                  full_label_mae=15.0, full_label_std=1.0, ratio=0.48,
                  gap=16.0, headroom=True, fit=True, seeds=3,
                  enough_seeds=True),
    claims=dict(
        p2r_vs_labelled_only_paired=dict(
            ratio=0.806, target_ratio=0.85, ratio_holds=True,
            paired_seeds=[0, 1, 2], differences=[-6.0, -7.0, -5.0],
            mean_difference=-6.0, interval=[-6.67, -5.33],
            interval_level=0.95, interval_below_zero=True, holds=True),
        p2p_overactivates=dict(
            p2p_last_count_ratio=1.25, overcount_threshold=1.3,
            overcounts=False, p2p_first_epoch=9, p2p_first=1.1,
            p2p_last_epoch=30, p2p_last=1.8, p2p_rising=True,
            p2r_pseudo_count_ratio=[[9, 0.9], [30, 1.1]],
            p2r_band=[0.7, 1.3], p2r_min=0.9, p2r_max=1.1,
            p2r_in_band=True, holds=False)))


def test_benchmark_claims_renderer_reads_a_shb_cpu_report(tmp_path):
    (line, ) = tool.render_benchmark_claims(SHB_CPU)
    assert line.startswith('Benchmark validity: oracle 15.00 ± 1.00 vs '
                           'labelled-only 31.00 ± 1.58 (ratio 0.48, gap '
                           '16.00): **fit**. Claim 1, ')
    assert ('Claim 1, P2R-semi mean MAE / labelled-only mean MAE = 0.81 '
            '(target ≤ 0.85: met); P2R-semi minus labelled-only test MAE '
            'paired over seeds 0, 1, 2: mean -6.00, 95% bootstrap interval '
            '[-6.67, -5.33] (target: entirely below 0: met): holds.') in line
    assert ('Claim 2, P2P over-activates on unlabelled images: P2P-semi '
            'predicted / true count 1.250 on test at the last checkpoint '
            '(target > 1.3: **not met**); its teacher\'s pseudo-points / '
            'hidden heads 1.10 at epoch 9 → 1.80 at epoch 30 (target: '
            'rising: met), P2R-semi\'s between 0.90 and 1.10 from epoch 9 '
            'on (target: every epoch within 0.7–1.3: met): **does not '
            'hold**.') in line
    # No spread rule: an unfit check names only what failed.
    unfit = dict(SHB_CPU['validity'], headroom=False, fit=False)
    (line, ) = tool.render_benchmark_claims(dict(SHB_CPU, validity=unfit,
                                                 claims={}))
    assert line.endswith('**not fit** (no headroom).')
    # A claim no protocol knows is the artefact's error.
    (tmp_path / 'r.json').write_text(json.dumps(dict(
        SHB_CPU, claims=dict(unknown_claim=dict(holds=True)))))
    with pytest.raises(tool.ArtefactError, match='unknown_claim'):
        tool.render('benchmark_claims', 'r.json', str(tmp_path))


def test_benchmark_localization_and_brief_renderers():
    lines = tool.render_benchmark_localization(SYNTHETIC)
    assert lines[2:] == ['| method | `loc/f1@4` | `loc/f1@8` |',
                         '|---|---|---|',
                         '| labelled-only | 0.550 ± 0.071 | 0.750 ± 0.071 |',
                         '| P2P-semi | 0.550 ± 0.071 | 0.750 ± 0.071 |']
    assert tool.render_benchmark_brief(SYNTHETIC) == [
        'Measured (test split, validation-selected checkpoints, seeds 0, '
        '1): labelled-only MAE 11.00 ± 1.41, F1@4 0.550 ± 0.071, F1@8 '
        '0.750 ± 0.071; P2P-semi MAE 25.00 ± 7.07, F1@4 0.550 ± 0.071, '
        'F1@8 0.750 ± 0.071.']
    bare = dict(methods={k: dict(m, test_loc=[{}, {}])
                         for k, m in SYNTHETIC['methods'].items()})
    with pytest.raises(tool.ArtefactError, match='localisation'):
        tool.render_benchmark_localization(bare)


def test_several_readmes_report_the_worst(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'main_job.json').write_text(json.dumps(MAIN_JOB))
    good, stale = tmp_path / 'good.md', tmp_path / 'stale.md'
    stale.write_text(region('main_job', 'docs/main_job.json') + '\n')
    assert readme_tables('--readme', stale, '--root', tmp_path
                         ).returncode == 0
    good.write_text(stale.read_text())
    stale.write_text(region('main_job', 'docs/main_job.json') + '\n')
    out = readme_tables('--readme', good, stale, '--root', tmp_path,
                        '--check')
    assert out.returncode == 1
    assert f'{good}: every generated region matches' in out.stdout
    assert f'{stale} differs from its artefacts' in out.stderr


def test_benchmark_pseudo_labels_renderer():
    def epoch(e, w, precision, ratio):
        return dict(epoch=e, unsup_weight=w, pseudo_points=10.0 * e,
                    pseudo_precision=precision, pseudo_recall=0.5,
                    pseudo_count_ratio=ratio)
    seeds = [[dict(epoch=1, pseudo_points=0.0, unsup_weight=0.0),
              epoch(2, 0.0, 0.6, 1.0), epoch(3, 2.0, p3, 2.0),
              epoch(4, 2.0, 0.3, r4)] for p3, r4 in ((0.4, 3.0), (0.5, 4.0))]
    data = dict(methods=dict(p2p_semi=dict(name='P2P-semi',
                                           pseudo_by_epoch=seeds)))
    lines = tool.render_benchmark_pseudo_labels(data)
    assert lines[2:] == [
        '| method | epochs | pseudo-points / crop | precision @ 8 px | '
        'recall @ 8 px | pseudo-points / hidden heads |',
        '|---|---|---|---|---|---|',
        '| P2P-semi | 2 (first) | 20.0 | 0.600 | 0.500 | 1.00 |',
        '| P2P-semi | 3–4 (w = 2) | 35.0 | 0.375 | 0.500 | 2.75 |',
        '| P2P-semi | 4 (last) | 40.0 | 0.300 | 0.500 | 3.50 |']
    with pytest.raises(tool.ArtefactError, match='pseudo-label'):
        tool.render_benchmark_pseudo_labels(
            dict(methods=dict(p2p_semi=dict(name='P2P-semi',
                                            pseudo_by_epoch=[[]]))))


MAIN_JOB = dict(config='configs/p2r/synthetic_5pct.py', train_minutes=10.77,
                test_minutes=0.36, test=dict(mae=9.5, rmse=12.26,
                                             count_ratio=1.071),
                reported=dict(method='p2r_semi', mean=8.7, std=1.2,
                              inside=True),
                checkpoint='best_mae4_rmse_epoch_10.pth',
                machine='Test CPU, 2 CPUs, Python 3.11.7, torch 2.4.0+cpu')


def test_main_job_renderer():
    (line, ) = tool.render_main_job(MAIN_JOB)
    assert line == (
        'Timed by `tools/analysis_tools/time_main_job.py` from an empty '
        'folder (data generation included) on Test CPU, 2 CPUs, Python '
        '3.11.7, torch 2.4.0+cpu: `configs/p2r/synthetic_5pct.py` trains in '
        '10.8 min and tests in 0.4 min; test MAE 9.50, RMSE 12.26, '
        'predicted / true count 1.071, inside the reported P2R-semi spread '
        '(8.70 ± 1.20, mean ± 2 std).')
    outside = dict(MAIN_JOB, reported=dict(MAIN_JOB['reported'],
                                           inside=False))
    assert '**outside** the reported' in tool.render_main_job(outside)[0]
    alone = {k: v for k, v in MAIN_JOB.items() if k != 'reported'}
    assert tool.render_main_job(alone)[0].endswith('count 1.071.')
