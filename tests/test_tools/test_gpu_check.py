"""tools/analysis_tools/gpu_check.py on the CPU (--quick): the correctness
checks pass, a planted bug fails them, and the speed sections report."""
import importlib.util
import json
import os.path as osp

import pytest
import torch

import p2r_mm.models.utils.nearest_point as nearest_point
from .test_train_test_tools import REPO

spec = importlib.util.spec_from_file_location(
    'gpu_check', osp.join(REPO, 'tools', 'analysis_tools', 'gpu_check.py'))
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
checks = tool.load_sections()
CPU = torch.device('cpu')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('gpu_check') / 'part_A')


def run_tool(tmp_path, data_root, *sections):
    out = tmp_path / 'report.json'
    status = tool.main(['--device', 'cpu', '--quick', '--data-root',
                        data_root, '--json', str(out), '--sections',
                        *sections])
    return status, json.loads(out.read_text())


def test_correctness_section_passes_on_cpu(tmp_path, data_root, capsys):
    status, report = run_tool(tmp_path, data_root, 'correctness')
    assert status == 0
    results = report['sections']['correctness']
    names = ' '.join(c['name'] for c in results)
    for what in ('nearest point', 'P2RLoss', 'P2PLoss', 'PSAM',
                 'autocast (bfloat16)'):
        assert what in names
    assert all(c['passed'] and c['max_diff'] <= c['tol'] for c in results)
    # The nearest-point cases include exact ties (the grid kind), which
    # both backends must give to the same point.
    assert '; 0 cells owned differently' in results[0]['note']
    assert 'grid' in results[0]['note']
    log = capsys.readouterr().out
    assert log.count('PASS') == len(results) and 'all checks passed' in log
    assert report['machine']['device'] == 'cpu'
    assert report['versions']['torch'] == torch.__version__


def wrong_owner_of_one_cell(monkeypatch):
    """Plant a bug in the window search: the first owned cell of every
    search gets the next point as its owner."""
    search = nearest_point._window_owner

    def planted(points, *args, **kwargs):
        owner = search(points, *args, **kwargs)
        owned = (owner >= 0).nonzero()[:, 0]
        if len(owned) and len(points) > 1:
            owner[owned[0]] = (owner[owned[0]] + 1) % len(points)
        return owner

    monkeypatch.setattr(nearest_point, '_window_owner', planted)


def test_a_wrong_owner_for_one_cell_fails_the_checks(monkeypatch):
    good = checks.correctness.check_nearest_point(CPU, num_cases=10)
    assert good['passed']
    wrong_owner_of_one_cell(monkeypatch)
    bad = checks.correctness.check_nearest_point(CPU, num_cases=10)
    assert not bad['passed']
    assert 'owned differently' in bad['note'] and not bad['note'].startswith(
        'max |distance - KD-tree distance| in px; 0 cells')
    p2r, _ = checks.correctness.check_losses(CPU, quick=True)
    assert p2r['name'].startswith('P2RLoss') and not p2r['passed']
    assert p2r['max_diff'] > p2r['tol']


def test_only_equal_cost_choices_count_as_ties():
    """A P2R region whose positive is another cell of the same cost (a
    tie broken the other way) is explained; a cell of higher cost is
    not."""
    from p2r_mm.models.losses import P2RLoss
    loss = P2RLoss()
    # One point at (7.5, 7.5): equidistant from the centres of cells
    # (1, 1), (1, 2), (2, 1), (2, 2) of a stride-4 map; flat logits.
    logits = torch.zeros(1, 1, 4, 4)
    points = [torch.tensor([[7.5, 7.5]])]
    ref, _ = checks.correctness.targets(loss, logits, points, 4)
    positive = int(ref.target.nonzero())
    assert positive in (5, 6, 9, 10)

    def moved_to(cell):
        target = torch.zeros_like(ref.target)
        target[cell] = 1
        return ref._replace(target=target)

    explained = checks.correctness.explained_by_ties
    other = ({5, 6, 9, 10} - {positive}).pop()
    assert explained(loss, logits, points, 4, moved_to(other), ref)
    assert not explained(loss, logits, points, 4, moved_to(0), ref)


def test_loss_check_compares_a_tie_with_the_device_assignment(monkeypatch):
    from p2r_mm.models.losses import P2RLoss
    correctness = checks.correctness
    monkeypatch.setattr(correctness, 'loss_inputs', lambda name: (
        torch.zeros(1, 1, 4, 4), [torch.tensor([[7.5, 7.5]])], 4, None,
        None))

    def positive_at(cell):
        def make():
            loss = P2RLoss(nn_backend='window')
            assign = loss.assign

            def moved(*args):
                t = assign(*args)
                target = torch.zeros_like(t.target)
                target[cell] = 1
                return t._replace(target=target)

            loss.assign = moved
            return loss
        return make

    def ref():
        return P2RLoss(nn_backend='kdtree')

    # (7.5, 7.5) is as far from cells 5, 6, 9 and 10; the reference takes
    # the first, 5
    diff, note = correctness.compare_loss('tie', positive_at(5), CPU, ref)
    assert diff == 0 and 'tie' not in note
    diff, note = correctness.compare_loss('tie', positive_at(10), CPU, ref)
    assert diff == 0 and 'a tie broken the other way' in note
    diff, note = correctness.compare_loss('tie', positive_at(0), CPU, ref)
    assert diff > correctness.LOSS_RTOL and 'tie' not in note


def test_half_precision_pseudo_points_fail_the_autocast_check(
        monkeypatch, data_root):
    """Pseudo-points left in the logits' dtype (the rounding bug of
    cell_points under autocast) are caught."""
    import p2r_mm.models.utils.pseudo_points as pseudo_points
    cell_points = pseudo_points.cell_points

    def rounded(logit_map, *args, **kwargs):
        points, values = cell_points(logit_map, *args, **kwargs)
        return points.to(logit_map.dtype), values

    checks.common.ensure_data(data_root, quick=True)
    cfg = checks.common.paper_config(data_root, True, batch_size=4)
    batch = checks.common.one_batch(cfg)
    monkeypatch.setattr(pseudo_points, 'cell_points', rounded)
    bad = checks.correctness.check_semi_amp(CPU, cfg, batch)
    assert not bad['passed'] and 'float32: False' in bad['note']


def test_speed_sections_write_their_numbers(tmp_path, data_root, capsys):
    status, report = run_tool(tmp_path, data_root, 'loss_speed',
                              'throughput', 'inference')
    assert status == 0
    sections = report['sections']
    assert {(r['case'], r['loss']) for r in sections['loss_speed']} == {
        ('sha_crops', 'p2r'), ('sha_crops', 'p2p')}
    assert all(r['median_s'] > 0 for r in sections['loss_speed'])
    rows = sections['throughput']['rows']
    assert [r['precision'] for r in rows] == ['fp32', 'amp']
    for row in rows:
        loop = row['loops'][0]
        assert loop['workers'] == 0 and loop['it_per_s'] > 0
        assert 0 <= loop['wait_share'] < 1 and loop['step_median_s'] > 0
        assert 'peak_cuda_mb' in loop  # None on the CPU
        parts = row['breakdown_s']
        for part in ('teacher forward', 'student forward', 'loss',
                     'backward', 'optimiser step', 'EMA (teacher update)'):
            assert parts[part] > 0
        assert 0 < parts['network share (teacher + student forward, '
                         'backward)'] < 1
    assert sections['throughput']['pipeline_s_per_sample'] > 0
    inference = sections['inference']
    assert [(r['size'], r['mode']) for r in inference] == [
        (size, mode) for size in ('96x64', '192x128')
        for mode in ('whole', 'tiled', 'whole, autocast')]
    assert all(r['median_s'] > 0 and r['count'] >= 0 for r in inference)
    assert set(report['seconds']) == {'loss_speed', 'throughput',
                                      'inference'}
    log = capsys.readouterr().out
    assert 'it/s' in log and 'the network is' in log
