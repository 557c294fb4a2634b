"""tools/analysis_tools/measure_tta.py and its README block, as a
subprocess on tiny generated data and checkpoints."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import pytest

from ..test_apis.tiny_counter import REPO, write_checkpoint, write_config
from ..test_datasets.fake_crowd_data import make_shanghaitech
from .test_test_options import DATA

spec = importlib.util.spec_from_file_location(
    'readme_tables', osp.join(REPO, 'tools', 'misc', 'readme_tables.py'))
tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tables)


def measure(*args):
    return subprocess.run(
        [sys.executable, 'tools/analysis_tools/measure_tta.py',
         *map(str, args)], cwd=REPO, capture_output=True, text=True,
        timeout=600)


def test_measures_both_ways_and_renders(tmp_path):
    make_shanghaitech(str(tmp_path / 'sha'), n_train=1, n_test=2)
    config = write_config(tmp_path / 'tiny.py')
    with open(config, 'a') as f:
        f.write(DATA.format(root=tmp_path / 'sha'))
    pattern = write_checkpoint(config, tmp_path / 'pattern.pth', True)
    random = write_checkpoint(config, tmp_path / 'random.pth', False)
    out = tmp_path / 'tta.json'
    done = measure('--runs', f'pattern={config}={pattern}',
                   f'random={config}={random}', '--work-dir',
                   tmp_path / 'work', '--json', out)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    data = json.loads(out.read_text())
    assert [r['name'] for r in data['runs']] == ['pattern', 'random']
    first = data['runs'][0]
    assert set(first['plain']) >= {'mae', 'rmse', 'count_ratio'}
    # The pattern model's mirrored map is its own: --tta changes nothing.
    assert first['plain'] == first['tta']
    assert 'load_average_at_end' in data['machine']
    lines = tables.render_tta(data)
    assert lines[2].startswith('| model | checkpoints | MAE | MAE, --tta |')
    mae = first['plain']['mae']
    # One checkpoint: its value, no spread.
    assert lines[4].startswith(f'| pattern | 1 | {mae:.2f} | {mae:.2f} |')


def test_groups_checkpoints_by_name():
    def run(mae, tta_mae):
        return dict(name='m', plain=dict(mae=mae, rmse=1.0, count_ratio=1.0),
                    tta=dict(mae=tta_mae, rmse=2.0, count_ratio=0.9))
    data = dict(machine=dict(machine='x86_64', cpu='Test CPU', cores=2,
                             threads=2, torch='2.4.0+cpu'),
                runs=[run(10.0, 12.0), run(14.0, 16.0)])
    lines = tables.render_tta(data)
    assert lines[0].startswith('Test split, x86_64 Test CPU, 2 cores')
    assert lines[4] == ('| m | 2 | 12.00 ± 2.83 | 14.00 ± 2.83 | 1.00 ± 0.00 '
                        '| 2.00 ± 0.00 | 1.000 ± 0.000 | 0.900 ± 0.000 | - '
                        '| - |')
    data['runs'] = data['runs'][:1]
    assert tables.render_tta(data)[4] == (
        '| m | 1 | 10.00 | 12.00 | 1.00 | 2.00 | 1.000 | 0.900 | - | - |')


@pytest.mark.parametrize('spec, message', [
    ('nothing', 'takes NAME=CONFIG=CHECKPOINT'),
    ('a=configs/none.py=x.pth', 'a: no such config file: configs/none.py'),
    ('a=configs/p2r/synthetic_5pct.py=none.pth',
     'a: no such checkpoint file: none.pth'),
])
def test_bad_runs_are_named(spec, message):
    out = measure('--runs', spec)
    assert out.returncode == 2 and message in out.stderr
