"""The JSON artefacts of the benchmark tools, on tiny inputs: what
tools/misc/readme_tables.py renders into the README."""
import importlib.util
import json
import math
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from p2r_mm.registry import MODELS
from ..test_datasets.fake_crowd_data import write_image
from .test_readme_tables import tool as readme_tables
from .test_semi_training import write_config as write_semi_config
from .test_train_test_tools import REPO, run

spec = importlib.util.spec_from_file_location(
    'psam_spreads', osp.join(REPO, 'tools', 'analysis_tools',
                             'psam_spreads.py'))
psam_spreads = importlib.util.module_from_spec(spec)
spec.loader.exec_module(psam_spreads)

MACHINE_KEYS = {'cpu', 'cores', 'machine', 'python', 'torch', 'threads',
                'gpu', 'load_average_at_start', 'load_average_at_end'}


def test_benchmark_loss_json(tmp_path):
    out = tmp_path / 'loss.json'
    run(sys.executable, 'tools/analysis_tools/benchmark_loss.py', '--cases',
        'tiny', '--device', 'cpu', '--runs', '2', '--p2p-runs', '1',
        '--json', str(out))
    data = json.loads(out.read_text())
    assert set(data['machine']) == MACHINE_KEYS
    assert (data['stride'], data['runs'], data['p2p_runs']) == (4, 2, 1)
    assert [(r['case'], r['loss'], r['device'], r['runs'])
            for r in data['results']] == [('tiny', 'p2r', 'cpu', 2),
                                          ('tiny', 'p2p', 'cpu', 1)]
    for r in data['results']:
        assert (r['batch'], r['height'], r['width'], r['points']) == \
            (2, 64, 64, 20)
        assert 0 < r['min_s'] <= r['median_s']
        assert 0 < r['base_rss_mb'] <= r['peak_rss_mb']
    (row, ) = [line for line in readme_tables.render_loss_benchmark(data)
               if line.startswith('| 2 × 64×64')]
    assert row.endswith('× |') and 'MB (' in row


def test_benchmark_train_iteration_json(tmp_path):
    config = write_semi_config(tmp_path)  # tiny SHA copy, 2 + 2 per batch
    out = tmp_path / 'iteration.json'
    run(sys.executable, 'tools/analysis_tools/benchmark_train_iteration.py',
        str(config), '--iters', '2', '--warmup', '1', '--num-workers', '0',
        '1', '--json', str(out))
    data = json.loads(out.read_text())
    assert data['config'] == str(config)
    assert set(data['machine']) == MACHINE_KEYS
    assert (data['iters'], data['warmup'], data['unsup_weight']) == (2, 1, 1)
    # The tiny config's crops are ShanghaiTech's 256x256.
    assert data['layout'] == {
        branch: dict(images=2, sizes=[[256, 256]])
        for branch in ('sup', 'unsup_teacher', 'unsup_student')}
    assert [r['workers'] for r in data['results']] == [0, 1]
    for r in data['results']:
        assert r['batch'] == 4
        assert r['wait_s'] >= 0 and r['step_s'] > 0 and r['sample_s'] > 0
    lines = readme_tables.render_iteration_benchmark(data)
    assert '2 labelled + 2 unlabelled 256×256 crops per iteration' in lines[0]
    assert len([line for line in lines if line.startswith('| 1 |')]) == 1


PSAM_CONFIG = """
_base_ = ['{repo}/configs/supervised/sha_full.py']
model = dict(
    backbone=dict(base_channels=4, init_cfg=None),
    neck=dict(in_channels=(32, 32), out_channels=16),
    head=dict(in_channels=16, feat_channels=16))
"""


@pytest.fixture(scope='module')
def two_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('psam_spreads')
    config = tmp / 'tiny.py'
    config.write_text(PSAM_CONFIG.format(repo=REPO))
    checkpoints = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        with DefaultScope.overwrite_default_scope('p2r_mm'):
            model = MODELS.build(Config.fromfile(str(config)).model)
        path = tmp / f'seed{seed}.pth'
        torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
        checkpoints.append(str(path))
    images = []
    for i, (w, h) in enumerate([(70, 50), (64, 96)]):
        images.append(str(tmp / f'crowd{i}.jpg'))
        write_image(images[-1], w, h, seed=i)
    return tmp, str(config), checkpoints, images


def test_psam_spreads_json(two_runs):
    tmp, config, (ckpt0, ckpt1), images = two_runs
    out = tmp / 'spreads.json'
    log = run(sys.executable, 'tools/analysis_tools/psam_spreads.py',
              '--runs', f'a={config}={ckpt0}', f'b={config}={ckpt1}',
              '--images', *images, '--top-k', '3', '--json', str(out))
    data = json.loads(out.read_text())
    assert (data['top_k'], data['layer'], data['radius']) == (3, 'neck', None)
    assert [r['name'] for r in data['runs']] == ['a', 'b']
    for r in data['runs']:
        assert (r['images'], r['heads']) == (2, 6)
        assert [i['image'] for i in r['per_image']] == images
        masses = [m for i in r['per_image'] for m in i['mass_within']]
        areas = [a for i in r['per_image'] for a in i['effective_area']]
        assert all(0 <= m <= 1 for m in masses) and all(a >= 1 for a in areas)
        assert r['mass_within_mean'] == pytest.approx(sum(masses) / 6)
        assert r['effective_area_mean'] == pytest.approx(sum(areas) / 6)
        assert all(len(i['logit']) == 3 and i['predicted'] >= 0
                   for i in r['per_image'])
        assert f"| {r['name']} | 2 | 6 | {r['mass_within_mean']:.3f} |" in log
    # Different weights, different maps.
    assert data['runs'][0]['effective_area_mean'] != \
        data['runs'][1]['effective_area_mean']
    # The numbers are psam.py's for the same image and model.
    psam_log = run(sys.executable, 'tools/analysis_tools/psam.py', config,
                   ckpt1, images[1], '--top-k', '3', '--out-dir',
                   str(tmp / 'maps'))
    head = psam_log.splitlines().index(next(
        line for line in psam_log.splitlines() if 'mass_within_r' in line))
    rows = [line.split() for line in psam_log.splitlines()[head + 1:head + 4]]
    got = data['runs'][1]['per_image'][1]
    assert [float(r[5]) for r in rows] == pytest.approx(
        got['mass_within'], abs=5e-4)
    assert [float(r[6]) for r in rows] == pytest.approx(
        got['effective_area'], abs=0.05)
    lines = readme_tables.render_psam_spreads(data)
    assert f"| b | 2 | 6 | {data['runs'][1]['mass_within_mean']:.3f} |" in \
        '\n'.join(lines)


@pytest.mark.parametrize('args, message', [
    (['--runs', 'a=CONFIG'], 'takes NAME=CONFIG=CHECKPOINT'),
    (['--runs', 'a=missing.py=x.pth'], 'no such config file: missing.py'),
    (['--runs', 'a={config}=missing.pth'],
     'no such checkpoint file: missing.pth'),
    (['--runs', 'a={config}={ckpt}', 'a={config}={ckpt}'],
     'names must differ'),
    (['--runs', 'a={config}={ckpt}', '--images', 'nope.jpg'],
     'no such file: nope.jpg'),
    (['--runs', 'a={config}={ckpt}', '--top-k', '0'], '--top-k must be'),
    (['--runs', 'a={config}={ckpt}', '--figure', 'f.jpg', '--figure-image',
      'other.jpg'], 'is not one of --images'),
])
def test_psam_spreads_bad_arguments(two_runs, capsys, args, message):
    tmp, config, (ckpt, _), images = two_runs
    args = [a.format(config=config, ckpt=ckpt) for a in args]
    if '--images' not in args:
        args += ['--images', images[0]]
    with pytest.raises(SystemExit):
        psam_spreads.parse_args(args)
    assert message in capsys.readouterr().err


def test_psam_spreads_figure_shows_each_run_side_by_side(two_runs):
    import mmcv
    tmp, config, (ckpt0, ckpt1), images = two_runs
    figure = tmp / 'psam.png'
    log = run(sys.executable, 'tools/analysis_tools/psam_spreads.py',
              '--runs', f'a={config}={ckpt0}', f'b={config}={ckpt1}',
              '--images', *images, '--top-k', '2', '--figure', str(figure),
              '--figure-image', images[1])
    assert f'wrote {figure} ({images[1]})' in log
    drawn = mmcv.imread(str(figure))
    # Two panels of the 64x96 image (the tiny config does not resize it),
    # each under a 34-px title band, 8 px apart.
    assert drawn.shape == (34 + 96, 2 * 64 + 8, 3)
    left, right = drawn[34:, :64], drawn[34:, 72:]
    assert (left != right).any()  # other weights, other maps
    assert (drawn[:, 64:72] == 255).all()


def test_mean_skips_nan():
    assert psam_spreads.mean([1.0, float('nan'), 3.0]) == 2.0
    assert math.isnan(psam_spreads.mean([float('nan')]))
