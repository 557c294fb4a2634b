"""tools/analysis_tools/reproduce_benchmark.py: the protocol choice and
the report path of both protocols, on run folders written here as the
training and test tools leave them (synthetic) or on hand-made run
records (shb_cpu); and the tools that use it."""
import importlib.util
import json
import os.path as osp
import sys

import numpy as np
import pytest

from .test_train_test_tools import REPO

TOOLS = osp.join(REPO, 'tools', 'analysis_tools')


def load(name, folder=TOOLS):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(folder, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load('reproduce_benchmark')
rules = sys.modules['benchmark_rules']  # imported by the tool, beside it

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


def test_burn_in_epochs_show_no_pseudo_label_quality():
    # During the burn-in the teacher has pseudo-labelled nothing: the
    # runs log the weight and the count (0), not precision or recall.
    burn_in = dict(epoch=1, unsup_weight=0.0, pseudo_points=0.0)
    later = dict(epoch=2, unsup_weight=2.0, pseudo_points=30.0,
                 pseudo_precision=0.8, pseudo_recall=0.6, pseudo_f1=0.7,
                 pseudo_count_ratio=1.2, confident_precision=0.9,
                 confident_recall=0.4)
    report = sys.modules['benchmark_report']
    lines = report.pseudo_epoch_table(dict(p2r_semi=dict(
        name='P2R-semi', pseudo_by_epoch=[[burn_in, later]] * 2)))
    assert lines == [
        '| P2R-semi | 1 | 0.0 | 0.0 | - | - | - | - | - | - |',
        '| P2R-semi | 2 | 2.0 | 30.0 | 0.800 | 0.600 | 0.700 | 1.200 | '
        '0.900 | 0.400 |']


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


# ------------------------------------------------ protocol choice
def test_the_synthetic_protocol_is_the_default(monkeypatch):
    monkeypatch.setattr(tool, 'METHODS', dict(tool.METHODS))
    args = tool.parse_args([])
    assert args.protocol.name == 'synthetic'
    assert args.work_dir == 'work_dirs/reproduce_synthetic'
    assert args.out == osp.join(REPO, 'docs', 'results_synthetic')
    assert args.results_dir == osp.join(REPO, 'docs',
                                        'results_synthetic_runs')
    assert args.method_seeds == dict.fromkeys(
        ['labelled_only', 'full_label', 'p2r_semi', 'p2p_semi'],
        [0, 1, 2, 3, 4])
    assert tool.METHODS['p2p_semi'] == ('P2P-semi',
                                        'configs/p2p/synthetic_5pct.py')


def test_the_shb_cpu_protocol_has_its_own_configs_seeds_and_paths(
        monkeypatch):
    monkeypatch.setattr(tool, 'METHODS', dict(tool.METHODS))
    args = tool.parse_args(['--protocol', 'shb_cpu'])
    assert args.work_dir == 'work_dirs/reproduce_shb_cpu'
    assert args.out == osp.join(REPO, 'docs', 'results_shb_cpu')
    assert args.results_dir == osp.join(REPO, 'docs', 'results_shb_cpu_runs')
    assert args.protocol.plot_prefix == 'shb_cpu'
    assert tool.METHODS == SHB_METHODS
    for _, config in tool.METHODS.values():
        assert osp.isfile(osp.join(REPO, config))
    assert args.method_seeds == dict(
        labelled_only=[0, 1, 2, 3, 4], full_label=[0, 1, 2],
        p2r_semi=[0, 1, 2, 3, 4], p2p_semi=[0, 1, 2, 3, 4])
    # --seeds is every method's; paths given win over the protocol's.
    args = tool.parse_args(['--protocol', 'shb_cpu', '--seeds', '7',
                            '--methods', 'full_label', '--out', 'x'])
    assert args.method_seeds == dict(full_label=[7]) and args.out == 'x'
    with pytest.raises(SystemExit):
        tool.parse_args(['--protocol', 'shb_cpu', '--methods', 'nope'])
    with pytest.raises(SystemExit):
        tool.parse_args(['--protocol', 'nwpu'])


def test_the_1pct_shb_cpu_protocol_shares_the_configs_family_not_the_paths(
        monkeypatch):
    """shb_cpu_1pct: the 1 % configs of the shb_cpu family (its oracle is
    the same config), and its own report, runs and work dir."""
    monkeypatch.setattr(tool, 'METHODS', dict(tool.METHODS))
    args = tool.parse_args(['--protocol', 'shb_cpu_1pct'])
    assert args.work_dir == 'work_dirs/reproduce_shb_cpu_1pct'
    assert args.out == osp.join(REPO, 'docs', 'results_shb_cpu_1pct')
    assert args.results_dir == osp.join(REPO, 'docs',
                                        'results_shb_cpu_1pct_runs')
    assert tool.METHODS == {
        key: (label, config.replace('0.5pct', '1pct'))
        for key, (label, config) in SHB_METHODS.items()}
    assert (tool.METHODS['full_label'] ==
            tool.PROTOCOLS['shb_cpu'].methods['full_label'])
    assert args.method_seeds == tool.PROTOCOLS['shb_cpu'].seeds


def test_missing_prerequisites_are_made_once_before_training(
        tmp_path, monkeypatch):
    """The runner makes a protocol's missing prerequisite (the shb_cpu
    pretraining) with its command, before the first run it trains, and
    not when the output is there or nothing is left to train."""
    output = tmp_path / 'pretrain' / 'epoch_1.pth'
    made = []

    def fake_tool(cmd, log_path):
        made.append(cmd[1:])
        output.parent.mkdir(exist_ok=True)
        output.write_bytes(b'weights')

    protocol = tool.PROTOCOLS['synthetic']._replace(
        prerequisites=((str(output), ['tools/train.py', 'pretrain.py']), ))
    monkeypatch.setattr(tool, 'run_tool', fake_tool)
    tool.make_prerequisites(protocol, str(tmp_path / 'work'))
    tool.make_prerequisites(protocol, str(tmp_path / 'work'))
    assert made == [['tools/train.py', 'pretrain.py']]
    # A command that does not write its output is an error naming both.
    protocol = protocol._replace(prerequisites=(
        (str(tmp_path / 'never.pth'), ['tools/train.py', 'x.py']), ))
    with pytest.raises(RuntimeError, match='x.py did not write .*never.pth'):
        tool.make_prerequisites(protocol, str(tmp_path / 'work'))


def test_a_cut_training_resumes_and_counts_its_time(tmp_path, monkeypatch):
    """A fresh run trains without --resume; a run whose segment was cut
    resumes from its last checkpoint, and the cut segment counts the
    minutes up to that checkpoint."""
    import os
    import time
    calls = []
    monkeypatch.setattr(tool, 'run_tool', lambda cmd, log: calls.append(cmd))
    fresh = tmp_path / 'fresh'
    fresh.mkdir()
    (segment, ) = tool.timed_training(['tools/train.py', 'c.py'], str(fresh))
    assert calls[-1][1:] == ['tools/train.py', 'c.py']
    assert segment['resumed_from'] is None and segment['minutes'] >= 0
    assert 'started' not in segment

    cut = tmp_path / 'cut'
    cut.mkdir()
    started = time.time() - 600
    (cut / 'train_segments.json').write_text(json.dumps([dict(
        minutes=None, load_average_at_start=1.0, load_average_at_end=None,
        started=started, resumed_from=None)]))
    ckpt = cut / 'epoch_35.pth'
    ckpt.write_bytes(b'x')
    os.utime(ckpt, (started + 120, started + 120))
    (cut / 'last_checkpoint').write_text(str(ckpt))
    first, second = tool.timed_training(['tools/train.py', 'c.py'], str(cut))
    assert calls[-1][1:] == ['tools/train.py', 'c.py', '--resume']
    assert first['minutes'] == pytest.approx(2.0)
    assert first['load_average_at_end'] is None
    assert second['resumed_from'] == 'epoch_35.pth'
    assert json.loads((cut / 'train_segments.json').read_text()) == [
        first, second]


def test_a_resumed_training_logs_replace_the_cut_ones(tmp_path):
    """Scalars of a resumed training replace the cut segment's from the
    epoch it resumed at; the validation of the checkpoint's epoch stays."""
    def write(stamp, entries):
        d = tmp_path / stamp / 'vis_data'
        d.mkdir(parents=True)
        (d / 'scalars.json').write_text(
            ''.join(json.dumps(e) + '\n' for e in entries))

    write('20260101_000000', [
        dict(loss=1.0, epoch=5, iter=450, step=450), dict(mae=9.0, step=5),
        dict(loss=0.9, epoch=6, iter=540, step=540), dict(mae=8.0, step=6)])
    write('20260101_010000', [
        dict(loss=0.8, epoch=6, iter=540, step=540), dict(mae=7.0, step=6)])
    assert tool.read_scalars(str(tmp_path)) == [
        dict(loss=1.0, epoch=5, iter=450, step=450), dict(mae=9.0, step=5),
        dict(loss=0.8, epoch=6, iter=540, step=540), dict(mae=7.0, step=6)]


@pytest.mark.parametrize('protocol', ['shb_cpu', 'shb_cpu_1pct'])
def test_the_shb_cpu_pretraining_is_what_its_configs_load(protocol):
    """The runner's prerequisite is the checkpoint every shb_cpu config
    starts from, and its command writes that file name."""
    from mmengine.config import Config
    output, cmd = tool.PROTOCOLS[protocol].prerequisites[0]
    for _, config in tool.PROTOCOLS[protocol].methods.values():
        model = Config.fromfile(osp.join(REPO, config)).model
        init = (model.counter if 'counter' in model else model).init_cfg
        assert init == dict(type='Pretrained', checkpoint=output)
    pretrain = Config.fromfile(osp.join(REPO, cmd[1]))
    work_dir = cmd[cmd.index('--work-dir') + 1]
    assert output == (f'{work_dir}/epoch_{pretrain.train_cfg.max_epochs}'
                      '.pth')
    assert pretrain.default_hooks.checkpoint.interval <= \
        pretrain.train_cfg.max_epochs


@pytest.mark.parametrize('protocol, split, times', [
    ('shb_cpu', 'shb-0.5.txt', 180), ('shb_cpu_1pct', 'shb-1.txt', 90)])
def test_the_shb_cpu_methods_differ_only_by_what_defines_them(
        protocol, split, times):
    """Labelled-only sees the images of its list in epochs as long as the
    oracle's; the semi-supervised configs differ from their 5 % versions
    only by the labelled list, and every method shares data, network and
    schedule."""
    from mmengine.config import Config

    from p2r_mm.datasets.splits import read_split_file, resolve_split_file
    cfgs = {key: Config.fromfile(osp.join(REPO, config))
            for key, (_, config) in tool.PROTOCOLS[protocol].methods.items()}
    lab = cfgs['labelled_only'].train_dataloader.dataset
    full = cfgs['full_label'].train_dataloader.dataset
    assert lab.dataset.labeled_split == split and lab.times == times
    assert full.dataset.labeled_split is None and full.times == 1
    # the oracle's 360 images, once an epoch
    assert len(read_split_file(resolve_split_file(split))) * times == 360
    for key in ('p2r_semi', 'p2p_semi'):
        semi = cfgs[key].to_dict()
        five = Config.fromfile(osp.join(
            REPO, f"configs/{key[:3]}/shb_cpu_5pct.py")).to_dict()
        assert semi['train_dataloader']['dataset'].pop('labeled_split') == \
            split
        five['train_dataloader']['dataset'].pop('labeled_split')
        assert semi == five
    for key, cfg in cfgs.items():
        assert (cfg.train_cfg, cfg.param_scheduler, cfg.optim_wrapper) == (
            cfgs['labelled_only'].train_cfg,
            cfgs['labelled_only'].param_scheduler,
            cfgs['labelled_only'].optim_wrapper), key
        assert cfg.val_dataloader == cfgs['labelled_only'].val_dataloader


# ------------------------------------------------ shb_cpu rules
SHB_METHODS = {
    'labelled_only': ('labelled-only',
                      'configs/supervised/shb_cpu_0.5pct.py'),
    'full_label': ('full-label oracle', 'configs/supervised/shb_cpu_full.py'),
    'p2r_semi': ('P2R-semi', 'configs/p2r/shb_cpu_0.5pct.py'),
    'p2p_semi': ('P2P-semi', 'configs/p2p/shb_cpu_0.5pct.py'),
}
# A benchmark with headroom where both claims hold: P2R-semi 6 better than
# labelled-only on every seed, P2P-semi over-counting with a rising
# pseudo-label count while P2R-semi's stays near 1.
SHB_MAE = dict(labelled_only=[30.0, 32.0, 31.0, 33.0, 29.0],
               full_label=[15.0, 16.0, 14.0],
               p2r_semi=[24.0, 25.0, 26.0, 27.0, 23.0],
               p2p_semi=[40.0, 42.0, 41.0, 43.0, 39.0])
SHB_PSEUDO = dict(p2r_semi=[0.9, 1.0, 1.1], p2p_semi=[1.1, 1.4, 1.8])


def shb_record(method, seed, mae, last_ratio=1.0, pseudo=(), extras=True):
    """A finished run's record as train_and_test keeps it; ``pseudo``: the
    teacher's pseudo_count_ratio in epochs 9, 10, ... (after a burn-in
    that logs no quality)."""
    config = SHB_METHODS[method][1]
    run = f'work_dirs/reproduce_shb_cpu/{method}/seed{seed}'
    history = [dict(epoch=8, iter=720, pseudo_points=0.0, unsup_weight=0.0)]
    history += [dict(epoch=9 + k, iter=810 + 90 * k, pseudo_points=20.0 * r,
                     pseudo_precision=0.5, pseudo_recall=0.6, pseudo_f1=0.55,
                     pseudo_count_ratio=r, confident_precision=0.6,
                     confident_recall=0.4, confident_count_ratio=0.7,
                     unsup_weight=min(2.0, k + 1.0))
                for k, r in enumerate(pseudo)]
    test = dict(mae=mae, rmse=mae + 5, count_ratio=1.0, f1_4=0.3, f1_8=0.5,
                loc={'loc/f1@4': 0.3, 'loc/f1@8': 0.5})
    r = dict(method=method, seed=seed, config=config,
             train_minutes=3.0 + seed,
             val_history=[dict(epoch=e, mae=mae + 30 - e, rmse=mae + 35 - e,
                               count_ratio=1.0, f1_8=0.5)
                          for e in (5, 10, 15, 20, 25, 30)],
             pseudo_history=history if method in tool.SEMI else [],
             best_epoch=25, test_best=test,
             test_last=dict(test, mae=mae + 1, count_ratio=last_ratio))
    if extras:
        r.update(load_average_at_start=1.5 + seed, load_average_at_end=2.0,
                 train_command=f'python tools/train.py {config} --work-dir '
                 f'{run} --cfg-options randomness.seed={seed}',
                 best_checkpoint=f'{run}/best_mae4_rmse_epoch_25.pth')
    return r


def shb_runs(mae=None, last_ratio=1.5, pseudo=None, seed_pseudo=None):
    """Hand-made runs of the four methods; ``seed_pseudo`` overrides one
    method's pseudo_count_ratio curve per seed: {method: {seed: curve}}."""
    mae = dict(SHB_MAE, **(mae or {}))
    pseudo = dict(SHB_PSEUDO, **(pseudo or {}))
    runs = []
    for method, maes in mae.items():
        for seed, m in enumerate(maes):
            curve = (seed_pseudo or {}).get(method, {}).get(
                seed, pseudo.get(method, ()))
            runs.append(shb_record(
                method, seed, m, last_ratio if method == 'p2p_semi' else
                1.0, curve))
    return runs


@pytest.fixture
def shb(monkeypatch):
    """The aggregation of the shb_cpu protocol on hand-made runs."""
    monkeypatch.setattr(tool, 'METHODS', dict(SHB_METHODS))
    protocol = tool.PROTOCOLS['shb_cpu']
    return lambda runs: tool.aggregate(runs, protocol)


def test_shb_validity_needs_headroom_only(shb):
    v = shb(shb_runs())['validity']
    assert v['fit'] is True and v['headroom'] is True
    assert v['full_label_mae'] == pytest.approx(15.0)
    assert v['seeds'] == 3 and 'spread_small' not in v
    # A wide oracle spread does not matter; no headroom does.
    wide = shb(shb_runs(mae=dict(full_label=[5.0, 25.0, 15.0])))['validity']
    assert wide['fit'] is True
    flat = shb(shb_runs(mae=dict(full_label=[19.0, 20.0, 21.0])))['validity']
    assert flat['fit'] is False and flat['headroom'] is False
    assert '**not fit** (no headroom)' in tool.validity_sentence(flat)
    # Two oracle seeds: no verdict.
    few = shb(shb_runs(mae=dict(full_label=[15.0, 16.0])))['validity']
    assert few['fit'] is False and few['enough_seeds'] is False


def test_paired_bootstrap_interval():
    d = [-6.0, -7.0, -5.0, -6.0, -6.0]
    low, high = rules.paired_bootstrap(d)
    rng = np.random.default_rng(0)
    means = np.asarray(d)[rng.integers(0, 5, size=(10000, 5))].mean(1)
    assert (low, high) == tuple(np.percentile(means, [2.5, 97.5]))
    assert -7 <= low < -6 < high <= -5
    assert rules.paired_bootstrap([-2.0] * 3) == (-2.0, -2.0)
    low, high = rules.paired_bootstrap([-20.0, -15.0, -12.0, 5.0, 4.0])
    assert low < 0 < high
    with pytest.raises(ValueError, match='no paired'):
        rules.paired_bootstrap([])


def test_shb_claim1_needs_the_ratio_and_the_paired_interval(shb):
    c = shb(shb_runs())['claims']['p2r_vs_labelled_only_paired']
    assert c['holds'] is True
    assert c['ratio'] == pytest.approx(25 / 31)
    assert c['paired_seeds'] == [0, 1, 2, 3, 4]
    assert c['differences'] == [-6.0, -7.0, -5.0, -6.0, -6.0]
    assert c['mean_difference'] == pytest.approx(-6.0)
    assert c['interval'][1] < 0 and c['resamples'] == 10000
    # Better on every seed, but only by 2: the ratio (29 / 31) fails.
    small = shb(shb_runs(mae=dict(p2r_semi=[28.0, 30.0, 29.0, 31.0, 27.0])))
    c = small['claims']['p2r_vs_labelled_only_paired']
    assert c['interval_below_zero'] is True and c['ratio_holds'] is False
    assert c['holds'] is False
    # A good mean ratio (0.75) from seeds that disagree: the interval
    # reaches above zero.
    mixed = shb(shb_runs(mae=dict(p2r_semi=[10.0, 17.0, 19.0, 38.0, 33.0])))
    c = mixed['claims']['p2r_vs_labelled_only_paired']
    assert c['ratio_holds'] is True and c['interval'][1] > 0
    assert c['holds'] is False
    line = tool.claim_sentences(mixed['claims'])[0]
    assert '(target ≤ 0.85: met)' in line
    assert 'entirely below 0: **not met**' in line
    assert line.endswith('**does not hold**.')
    # The pairs are the seeds both methods have.
    three = shb(shb_runs(mae=dict(p2r_semi=[24.0, 25.0, 26.0])))
    c = three['claims']['p2r_vs_labelled_only_paired']
    assert c['paired_seeds'] == [0, 1, 2]
    assert c['differences'] == [-6.0, -7.0, -5.0]
    # ... and 3 of the 5 seeds fixed for the claim give it no verdict yet,
    # however good its numbers.
    assert c['ratio_holds'] and c['interval_below_zero']
    assert (c['seeds'], c['enough_seeds'], c['holds']) == (3, False, False)
    line = tool.claim_sentences(three['claims'])[0]
    assert line.endswith('only 3 of the 5 seeds fixed for it so far: '
                         '**not decided yet**.')


def test_shb_claim2_needs_all_three_parts(shb):
    c = shb(shb_runs())['claims']['p2p_overactivates']
    assert c['holds'] is True
    assert c['p2p_last_count_ratio'] == pytest.approx(1.5)
    # From the first epoch with pseudo-label quality (9), not the burn-in.
    assert (c['p2p_first_epoch'], c['p2p_last_epoch']) == (9, 11)
    assert (c['p2p_first'], c['p2p_last']) == pytest.approx((1.1, 1.8))
    assert c['p2r_pseudo_count_ratio'] == [[9, 0.9], [10, 1.0], [11, 1.1]]
    assert (c['p2r_min'], c['p2r_max']) == pytest.approx((0.9, 1.1))
    line = tool.claim_sentences(shb(shb_runs())['claims'])[1]
    assert line.startswith('Claim 2, P2P over-activates on unlabelled '
                           'images: P2P-semi predicted / true count 1.500')
    assert line.endswith('within 0.7–1.3: met): holds.')

    def verdict(**kwargs):
        return shb(shb_runs(**kwargs))['claims']['p2p_overactivates']

    c = verdict(last_ratio=1.25)
    assert c['overcounts'] is False and c['holds'] is False
    c = verdict(pseudo=dict(p2p_semi=[1.8, 1.4, 1.2]))
    assert c['p2p_rising'] is False and c['holds'] is False
    c = verdict(pseudo=dict(p2r_semi=[0.9, 1.4, 1.1]))
    assert c['p2r_in_band'] is False and c['holds'] is False
    assert 'within 0.7–1.3: **not met**' in \
        tool.claim_sentences(dict(p2p_overactivates=c))[0]
    # The band holds the seed mean of each epoch, not every seed.
    c = verdict(seed_pseudo=dict(p2r_semi={0: [0.9, 1.6, 1.1]}))
    assert c['p2r_max'] == pytest.approx((1.6 + 4 * 1.0) / 5)
    assert c['p2r_in_band'] is True and c['holds'] is True
    # Every part met on 1 seed of P2P-semi: not decided yet.
    one = [r for r in shb_runs()
           if r['method'] != 'p2p_semi' or r['seed'] == 0]
    c = shb(one)['claims']['p2p_overactivates']
    assert c['overcounts'] and c['p2p_rising'] and c['p2r_in_band']
    assert (c['seeds'], c['holds']) == (1, False)
    assert tool.claim_sentences(dict(p2p_overactivates=c))[0].endswith(
        'only 1 of the 5 seeds fixed for it so far: **not decided yet**.')


def test_shb_claim2_needs_the_logged_pseudo_labels(shb):
    with pytest.raises(ValueError, match='p2p_semi: no pseudo_count_ratio'):
        shb(shb_runs(pseudo=dict(p2p_semi=[])))


def write_records(folder, runs):
    folder.mkdir(parents=True, exist_ok=True)
    for r in runs:
        (folder / f"{r['method']}_seed{r['seed']}.json").write_text(
            json.dumps(r))


def test_shb_report_from_kept_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(tool, 'METHODS', dict(tool.METHODS))
    runs = shb_runs()
    # A record kept before the runner noted the load still reports.
    runs[0] = shb_record('labelled_only', 0, 30.0, extras=False)
    # A run whose training was cut and resumed says so beside its time.
    runs[1]['train_segments'] = [dict(minutes=5.0), dict(minutes=7.0)]
    write_records(tmp_path / 'kept', runs)
    out = tmp_path / 'docs' / 'results_shb_cpu'
    tool.main(['--protocol', 'shb_cpu', '--report-only', '--work-dir',
               str(tmp_path / 'work'), '--results-dir',
               str(tmp_path / 'kept'), '--out', str(out), '--plots',
               str(tmp_path / 'docs' / 'images')])
    data = json.loads(out.with_suffix('.json').read_text())
    assert list(data) == ['methods', 'validity', 'claims', 'machine',
                          'protocol', 'cfg_options', 'earlier']
    assert data['methods']['full_label']['seeds'] == [0, 1, 2]
    assert data['methods']['p2r_semi']['load_average_at_start'] == [
        1.5, 2.5, 3.5, 4.5, 5.5]
    assert data['methods']['labelled_only']['load_average_at_start'][0] \
        is None
    assert data['validity']['fit'] is True
    assert [c['holds'] for c in data['claims'].values()] == [True, True]
    p = data['protocol']
    assert (p['epochs'], p['steps_per_epoch'], p['crop']) == (120, 90,
                                                            [128, 128])
    assert (p['lr_decay_epoch'], p['lr_gamma']) == (100, 0.1)
    assert p['holdout'] == 'p2r_mm/datasets/splits/shb-holdout.txt'
    assert p['holdout_images'] == 40 and p['labelled_images'] == 2
    assert p['labelled_split'] == 'shb-0.5.txt'
    assert p['burn_in'] == pytest.approx(30 / 120)
    assert p['init_checkpoint'] == 'work_dirs/synthetic_pretrain/epoch_16.pth'
    md = out.with_suffix('.md').read_text()
    assert md.startswith('# ShanghaiTech B CPU benchmark: measured results')
    assert ('`python tools/analysis_tools/reproduce_benchmark.py --protocol '
            'shb_cpu`') in md
    assert 'ShanghaiTech Part B (Zhang et al.' in md and 'CVPR 2016' in md
    assert '`data/ShanghaiTech/part_B/`' in md
    assert ('on the 40 held-out training images of that list' in md and
            '`p2r_mm/datasets/splits/shb-holdout.txt`' in md)
    assert '120 epochs of 90 optimiser steps of 4 labelled crops' in md
    assert 'burn-in 25% of the steps' in md
    assert ('synthetic pretraining (`work_dirs/synthetic_pretrain/'
            'epoch_16.pth`, made by `python tools/train.py '
            'configs/supervised/synthetic_full.py --work-dir '
            'work_dirs/synthetic_pretrain --cfg-options randomness.seed=0`')\
        in md
    assert '(results_shb_cpu_regimes.md)' in md
    assert 'no rule on the seed spread' in md and '**fit**' in md
    assert '| 1 | 32.00 | 25.00 | -7.00 |' in md
    assert 'numpy `default_rng(0)`' in md
    assert '| labelled-only | 0 | 30.00 |' in md and '| - |' in md
    assert ' (2 parts) |' in md
    assert '| P2R-semi | 1 | 25.00 |' in md and '| 2.50 → 2.00 |' in md
    assert ('| P2R-semi | `work_dirs/reproduce_shb_cpu/p2r_semi/seed0/'
            'best_mae4_rmse_epoch_25.pth` | `python tools/train.py '
            'configs/p2r/shb_cpu_0.5pct.py --work-dir '
            'work_dirs/reproduce_shb_cpu/p2r_semi/seed0 --cfg-options '
            'randomness.seed=0` |') in md
    assert 'No checkpoint is in the repository' in md
    images = tmp_path / 'docs' / 'images'
    assert sorted(p.name for p in images.iterdir()) == [
        'shb_cpu_pseudo_labels.png', 'shb_cpu_val_curves.png']
    assert str(tmp_path) not in md


def test_a_failed_shb_claim_is_reported_with_its_numbers(tmp_path,
                                                         monkeypatch):
    monkeypatch.setattr(tool, 'METHODS', dict(tool.METHODS))
    write_records(tmp_path / 'kept', shb_runs(last_ratio=1.25))
    out = tmp_path / 'report'
    tool.main(['--protocol', 'shb_cpu', '--report-only', '--work-dir',
               str(tmp_path / 'work'), '--results-dir',
               str(tmp_path / 'kept'), '--out', str(out), '--plots', ''])
    md = out.with_suffix('.md').read_text()
    assert ('P2P-semi predicted / true count 1.250 on test at the last '
            'checkpoint (target > 1.3: **not met**)') in md
    assert ('1.10 at epoch 9 → 1.80 at epoch 11 (target: rising: met)'
            in md)
    assert 'between 0.90 and 1.10 from epoch 9 on' in md
    assert md.count('**does not hold**') == 1


# ------------------------------------------------ the tools that use it
def test_the_tools_that_use_it_still_work(monkeypatch):
    # measure_tta.py imports its runner and test-log reader by name.
    monkeypatch.syspath_prepend(TOOLS)
    monkeypatch.delitem(sys.modules, 'measure_tta', raising=False)
    measure_tta = load('measure_tta')
    assert measure_tta.run_tool is sys.modules[
        'reproduce_benchmark'].run_tool
    assert measure_tta.read_test_metrics.__module__ == 'reproduce_benchmark'
    time_main_job = load('time_main_job')
    assert 'CPUs' in time_main_job.reproduce_tool().machine()
    tables = load('readme_tables', osp.join(REPO, 'tools', 'misc'))
    reproduce = tables.reproduce_tool()
    for name in ('results_table', 'validity_sentence', 'claim_sentences',
                 'pseudo_summary_table', 'localization_table', 'fmt',
                 'METHODS'):
        assert hasattr(reproduce, name)


def test_an_unfit_shb_benchmark_says_the_claims_are_not_tested(
        tmp_path, monkeypatch):
    """Labelled-only and the oracle only, too close: the report says the
    semi-supervised methods were not run and why."""
    monkeypatch.setattr(tool, 'METHODS', dict(tool.METHODS))
    runs = [r for r in shb_runs(mae=dict(full_label=[25.0, 26.0, 27.0]))
            if r['method'] in ('labelled_only', 'full_label')]
    write_records(tmp_path / 'kept', runs)
    out = tmp_path / 'results_shb_cpu'
    tool.main(['--protocol', 'shb_cpu', '--report-only', '--work-dir',
               str(tmp_path / 'work'), '--results-dir',
               str(tmp_path / 'kept'), '--out', str(out), '--plots', ''])
    md = out.with_suffix('.md').read_text()
    assert '**not fit** (no headroom)' in md
    assert "## The paper's claims, as measured here\n\nNot tested." in md
    assert json.loads(out.with_suffix('.json').read_text())['claims'] == {}
