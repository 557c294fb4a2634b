"""tools/analysis_tools/reproduce_synthetic.py: the report path, on run
folders written here as the training and test tools leave them."""
import importlib.util
import json
import os.path as osp

import pytest

from .test_train_test_tools import REPO

spec = importlib.util.spec_from_file_location(
    'reproduce_synthetic',
    osp.join(REPO, 'tools', 'analysis_tools', 'reproduce_synthetic.py'))
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

# Test MAE per method and seed: the oracle is far better than labelled-only
# (the benchmark is fit), P2R-semi in between, P2P-semi over-counting.
MAE = dict(labelled_only=[10.0, 12.0, 11.0], full_label=[4.0, 5.0, 4.5],
           p2r_semi=[8.0, 9.0, 7.0], p2p_semi=[20.0, 25.0, 30.0])
RATIO = dict(labelled_only=1.0, full_label=1.0, p2r_semi=1.05,
             p2p_semi=1.4)


def write_run(run_dir, method, seed, mae):
    """What tools/train.py and tools/test.py leave in a run folder."""
    run_dir.mkdir(parents=True)
    vis = run_dir / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    ratio = RATIO[method]
    lines = [dict(lr=1e-3, loss=1.0, epoch=1, iter=10, step=10)]
    if method in tool.SEMI:
        lines += [dict(loss=1.0, epoch=e, iter=10 * e, step=10 * e,
                       pseudo_points=30.0 + e, pseudo_precision=0.9 - e / 10,
                       pseudo_recall=0.8, pseudo_f1=0.85,
                       pseudo_count_ratio=ratio, confident_precision=0.95,
                       confident_recall=0.5, confident_count_ratio=0.6,
                       unsup_weight=min(2.0, e - 1.0)) for e in (2, 3)]
    # Validation at epochs 4 (the end of the configs' burn-in), 6 and 8.
    lines += [{'mae': mae + 1 + e, 'rmse': mae + 3, 'count_ratio':
               1 + (ratio - 1) * e / 3, 'mae4_rmse': 5 * mae,
               'loc/f1@8': 0.7, 'step': 2 * e + 2} for e in (1, 2, 3)]
    (vis / 'scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines) + '\n')
    (run_dir / 'best_mae4_rmse_epoch_2.pth').write_bytes(b'')
    (run_dir / 'epoch_2.pth').write_bytes(b'')
    (run_dir / 'last_checkpoint').write_text(str(run_dir / 'epoch_2.pth'))
    for which, shift in (('best', 0.0), ('last', 0.5)):
        log = run_dir / f'test_{which}' / '20260101_000100'
        log.mkdir(parents=True)
        (log / '20260101_000100.json').write_text(json.dumps(dict(
            mae=mae + shift, rmse=mae + 2, count_ratio=ratio, nae=0.1,
            mae4_rmse=5 * mae + 2, **{'loc/f1@4': 0.5, 'loc/f1@8': 0.7})))
    result = tool.collect_run(str(run_dir), method, seed, 2.5)
    (run_dir / 'result.json').write_text(json.dumps(result))
    return result


@pytest.fixture
def finished(tmp_path):
    for method, maes in MAE.items():
        for seed, mae in enumerate(maes):
            write_run(tmp_path / 'work' / method / f'seed{seed}', method,
                      seed, mae)
    return tmp_path


def test_collect_reads_selection_tests_and_curves(tmp_path):
    r = write_run(tmp_path / 'run', 'p2r_semi', 0, 8.0)
    assert r['best_epoch'] == 2
    assert r['test_best']['mae'] == 8.0 and r['test_last']['mae'] == 8.5
    assert [h['epoch'] for h in r['val_history']] == [4, 6, 8]
    assert [h['epoch'] for h in r['pseudo_history']] == [2, 3]
    assert r['pseudo_history'][0]['pseudo_precision'] == pytest.approx(0.7)


def test_report_only_writes_the_table_and_checks(finished):
    out = finished / 'docs' / 'results_synthetic'
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(finished / 'kept'),
               '--out', str(out), '--plots', str(finished / 'docs' /
                                                 'images')])
    data = json.loads(out.with_suffix('.json').read_text())
    assert set(data['methods']) == set(MAE)
    for method, maes in MAE.items():
        m = data['methods'][method]
        assert m['seeds'] == [0, 1, 2]
        assert m['test_mae'] == maes
        assert m['last_test_mae'] == [x + 0.5 for x in maes]
        assert len(m['test_rmse']) == len(m['count_ratio']) == 3
    v = data['validity']
    assert v['labelled_only_mae'] == pytest.approx(11.0)
    assert v['full_label_mae'] == pytest.approx(4.5)
    assert v['fit'] is True  # 4.5 <= 0.6 * 11, std 1 <= 0.25 * 6.5
    assert data['claims']['p2r_vs_labelled_only']['ratio'] == \
        pytest.approx(8 / 11)
    assert data['claims']['p2r_vs_labelled_only']['holds'] is True
    c = data['claims']['p2p_overcounts']
    assert c['holds'] is True and c['burn_in_epochs'] == 4
    # The curve from the first evaluation after the burn-in: 6 and 8.
    assert c['val_first_epoch'] == 6
    assert c['val_count_ratio_first'] == pytest.approx(1 + 0.4 * 2 / 3)
    assert c['val_count_ratio_last'] == pytest.approx(1.4)
    assert v['seeds_separated'] is True and 0 < v['welch_p'] < 0.01
    md = out.with_suffix('.md').read_text()
    assert '| labelled-only (`configs/supervised/synthetic_5pct.py`) | ' \
        '11.00 ± 1.00 |' in md
    assert '**fit**' in md and 'ratio 0.41' in md
    assert '| P2R-semi | 2 | 1.0 | 32.0 | 0.700 |' in md
    # The three phases: first epoch, the epochs at w = 2, the last.
    assert '| P2R-semi | 2 (first) | 32.0 | 0.700 | 0.800 | 1.05 |' in md
    assert '| P2P-semi | 3 (w = 2) | 33.0 | 0.600 | 0.800 | 1.40 |' in md
    assert '| P2P-semi | 3 (last) | 33.0 | 0.600 | 0.800 | 1.40 |' in md
    assert (finished / 'docs' / 'images' /
            'synthetic_pseudo_labels.png').is_file()
    assert str(finished) not in md  # no machine paths


def test_an_unfit_benchmark_is_reported_as_such(finished):
    # The oracle no better than labelled-only: no headroom.
    for seed in range(3):
        path = finished / 'work' / 'full_label' / f'seed{seed}' / \
            'result.json'
        r = json.loads(path.read_text())
        r['test_best']['mae'] = 10.5
        path.write_text(json.dumps(r))
    out = finished / 'report'
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(finished / 'kept'),
               '--out', str(out), '--plots', ''])
    data = json.loads(out.with_suffix('.json').read_text())
    assert data['validity']['fit'] is False
    assert '**not fit** (no headroom' in out.with_suffix('.md').read_text()


def test_report_only_without_runs_fails(tmp_path):
    with pytest.raises(SystemExit, match='no finished runs'):
        tool.main(['--report-only', '--work-dir', str(tmp_path),
                   '--results-dir', str(tmp_path / 'kept'),
                   '--out', str(tmp_path / 'r'), '--plots', ''])


def test_kept_results_continue_without_the_work_dir(finished):
    kept = finished / 'kept'
    first = finished / 'first'
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(kept), '--out', str(first),
               '--plots', ''])
    assert len(list(kept.glob('*_seed*.json'))) == 12
    # Another machine: no work dir, only the committed run results.
    again = finished / 'again'
    tool.main(['--report-only', '--work-dir', str(finished / 'nothing'),
               '--results-dir', str(kept), '--out', str(again),
               '--plots', ''])
    assert json.loads(again.with_suffix('.json').read_text())['methods'] \
        == json.loads(first.with_suffix('.json').read_text())['methods']


def test_extra_methods_join_the_protocol_and_read_baselines(
        finished, monkeypatch):
    # A project's method next to the benchmark's runs kept elsewhere.
    monkeypatch.setattr(tool, 'METHODS', dict(tool.METHODS))
    baseline = finished / 'baseline'
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(baseline), '--out',
               str(finished / 'first'), '--plots', ''])
    project_work = finished / 'project_work'
    for seed, mae in enumerate([6.0, 7.0, 8.0]):
        r = write_run(project_work / 'my_p2r' / f'seed{seed}', 'p2r_semi',
                      seed, mae)
        r['method'] = 'my_p2r'
        r['test_best']['loc']['loc_cells/f1@4'] = 0.25
        (project_work / 'my_p2r' / f'seed{seed}' / 'result.json'
         ).write_text(json.dumps(r))
    out = finished / 'project'
    tool.main(['--report-only', '--methods', 'p2r_semi', '--extra-methods',
               'my_p2r=configs/p2r/synthetic_5pct.py', '--work-dir',
               str(project_work), '--results-dir', str(finished / 'pkept'),
               '--baseline-results', str(baseline), '--out', str(out),
               '--plots', ''])
    data = json.loads(out.with_suffix('.json').read_text())
    assert list(data['methods']) == ['p2r_semi', 'my_p2r']
    assert data['methods']['my_p2r']['test_mae'] == [6.0, 7.0, 8.0]
    assert data['methods']['p2r_semi']['test_mae'] == MAE['p2r_semi']
    # Only the project's own runs are copied to its results folder.
    assert sorted(p.name for p in (finished / 'pkept').iterdir()) == [
        f'my_p2r_seed{s}.json' for s in range(3)]
    md = out.with_suffix('.md').read_text()
    assert '| `loc/f1@4` | `loc/f1@8` | `loc_cells/f1@4` |' in md
    assert '| my_p2r | 0.500 ± 0.000 | 0.700 ± 0.000 | 0.250 ± 0.000 |' \
        in md


def test_extra_methods_reject_bad_specs(tmp_path, monkeypatch):
    monkeypatch.setattr(tool, 'METHODS', dict(tool.METHODS))
    for spec in ('no_equals', 'p2r_semi=configs/p2r/synthetic_5pct.py',
                 'x=configs/none.py'):
        with pytest.raises(SystemExit):
            tool.parse_args(['--extra-methods', spec])


def rewrite_runs(finished, method, edit):
    for seed in range(3):
        path = finished / 'work' / method / f'seed{seed}' / 'result.json'
        r = json.loads(path.read_text())
        edit(r)
        path.write_text(json.dumps(r))


def test_overcounting_is_read_at_the_last_checkpoint(finished):
    # Selection on validation keeps a pre-over-counting model (ratio
    # 0.96); training ends over-counting (1.4): the claim holds, and the
    # report gives both.
    def selected_early(r):
        r['test_best']['count_ratio'] = 0.96
    rewrite_runs(finished, 'p2p_semi', selected_early)
    out = finished / 'report'
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(finished / 'kept'),
               '--out', str(out), '--plots', ''])
    c = json.loads(out.with_suffix('.json').read_text())['claims'][
        'p2p_overcounts']
    assert c['holds'] is True
    assert c['selected_count_ratio'] == pytest.approx(0.96)
    assert c['last_count_ratio'] == pytest.approx(1.4)
    md = out.with_suffix('.md').read_text()
    assert ('Claim 2, P2P-semi predicted / true count 1.400 on test at the '
            'last checkpoint (over-counting: > 1.2), 1.267 → 1.400 on '
            'validation from the first evaluation after the burn-in (epoch '
            '6) to the last: holds; at the validation-selected checkpoints '
            '(epochs 2, 2, 2, burn-in 4 epochs) it is 0.960.') in md

    def ends_counting_right(r):
        r['test_last']['count_ratio'] = 1.05
    rewrite_runs(finished, 'p2p_semi', ends_counting_right)
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(finished / 'kept2'),
               '--out', str(out), '--plots', ''])
    data = json.loads(out.with_suffix('.json').read_text())
    assert data['claims']['p2p_overcounts']['holds'] is False
    assert 'to the last: **does not hold**' in out.with_suffix(
        '.md').read_text()


def test_overlapping_seeds_are_reported(finished):
    def worse_oracle(r):
        r['test_best']['mae'] = 4.0 + 3.5 * r['seed']  # 4, 7.5, 11
    rewrite_runs(finished, 'full_label', worse_oracle)
    out = finished / 'report'
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(finished / 'kept'),
               '--out', str(out), '--plots', ''])
    v = json.loads(out.with_suffix('.json').read_text())['validity']
    assert v['seeds_separated'] is False and v['welch_p'] > 0.05
    assert 'the two seed ranges overlap.' in out.with_suffix(
        '.md').read_text()


def test_a_report_of_version_1_scenes_says_so(finished):
    out = finished / 'v1'
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(finished / 'kept'), '--out', str(out),
               '--plots', '', '--cfg-options',
               'train_dataloader.dataset.dataset.scene.vary_style=False'])
    md = out.with_suffix('.md').read_text()
    assert '**These runs use the version 1 scenes**' in md
    assert '(options `train_dataloader.dataset.dataset.scene.vary_style=' \
        'False`)' in md
    plain = finished / 'v2'
    tool.main(['--report-only', '--work-dir', str(finished / 'work'),
               '--results-dir', str(finished / 'kept'), '--out', str(plain),
               '--plots', ''])
    assert 'version 1 scenes**' not in plain.with_suffix('.md').read_text()
