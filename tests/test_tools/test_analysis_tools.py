"""browse_dataset.py, analyze_logs.py (curves, cal_train_time,
val_summary), print_config.py, get_flops.py and benchmark.py end to end."""
import json
import sys

import cv2
from mmengine.config import Config
from mmengine.registry import DefaultScope

from p2r_mm.registry import MODELS
from ..test_apis.tiny_counter import write_config as write_tiny_config
from ..test_datasets.fake_crowd_data import make_shanghaitech
from .test_semi_training import write_config
from .test_train_test_tools import run


def test_browse_dataset_shows_every_branch(tmp_path):
    config = write_config(tmp_path)  # semi-supervised, tiny SHA copy
    out = tmp_path / 'browse'
    run(sys.executable, 'tools/analysis_tools/browse_dataset.py',
        str(config), '--output-dir', str(out), '--num', '6')
    images = sorted(out.glob('*.jpg'))
    assert len(images) == 6
    widths = {cv2.imread(str(p)).shape[1] for p in images}
    # Labelled samples: one 256-px panel; unlabelled: weak + strong views.
    assert widths == {256, 512}


def test_analyze_logs_plots_train_and_val_curves(tmp_path):
    run_dir = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    run_dir.mkdir(parents=True)
    lines = [dict(loss=1.0 / i, pseudo_points=10.0 * i, epoch=(i + 1) // 2,
                  iter=i, step=i) for i in range(1, 9)]
    lines += [dict(mae=20.0 - e, count_ratio=1.0 + 0.1 * e, step=e)
              for e in (2, 4)]
    (run_dir / 'scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines))
    png = tmp_path / 'curves.png'
    log = run(sys.executable, 'tools/analysis_tools/analyze_logs.py',
              str(tmp_path / 'work'), '--keys', 'loss', 'mae',
              'count_ratio', '--legend', 'run', '--out', str(png))
    assert png.is_file() and cv2.imread(str(png)) is not None
    assert 'run: mae last 16' in log and 'run: loss last 0.125' in log


def test_cal_train_time_summarises_seconds_per_iteration(tmp_path):
    run_dir = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    run_dir.mkdir(parents=True)
    # Two epochs of 4 logged intervals; the first of each is slow start-up.
    times = {1: [9.0, 1.0, 1.0, 1.0], 2: [9.0, 2.0, 2.0, 2.0]}
    lines = [dict(loss=1.0, time=t, data_time=0.1, epoch=e,
                  iter=(e - 1) * 40 + 10 * (k + 1), step=0)
             for e, ts in times.items() for k, t in enumerate(ts)]
    lines.append(dict(mae=3.0, time=0.5, step=2))  # validation: left out
    (run_dir / 'scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines))
    tool = 'tools/analysis_tools/analyze_logs.py'
    work = str(tmp_path / 'work')
    log = run(sys.executable, tool, 'cal_train_time', work)
    assert 'slowest epoch 2, average time is 2.0000 s/iter' in log
    assert 'fastest epoch 1, average time is 1.0000 s/iter' in log
    assert 'time std over epochs is 0.5000' in log
    assert 'average iter time: 1.5000 s/iter' in log
    assert '80 iterations at that rate: 0:02:00' in log
    log = run(sys.executable, tool, 'cal_train_time', work,
              '--include-outliers')
    assert 'average iter time: 3.3750 s/iter' in log  # 27 s / 8
    # The plotting command is still the default, and has its name too.
    png = tmp_path / 'c.png'
    log = run(sys.executable, tool, 'plot_curve', work, '--keys', 'loss',
              '--out', str(png))
    assert png.is_file() and 'loss last 1' in log


def test_val_summary_reports_the_selected_and_the_last_validation(
        tmp_path):
    run_dir = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    run_dir.mkdir(parents=True)
    lines = [dict(loss=1.0, time=0.5, epoch=e, iter=10 * e, step=0)
             for e in (1, 2, 3)]
    # epoch 2 has the lowest MAE, epoch 1 the lowest 4 MAE + RMSE
    lines += [dict(mae=10.0, rmse=11.0, mae4_rmse=51.0, count_ratio=0.9,
                   step=1),
              dict(mae=9.0, rmse=40.0, mae4_rmse=76.0, count_ratio=1.1,
                   step=2),
              dict(mae=12.0, rmse=13.0, mae4_rmse=61.0, count_ratio=1.3,
                   step=3)]
    (run_dir / 'scalars.json').write_text(
        '\n'.join(json.dumps(x) for x in lines))
    log = run(sys.executable, 'tools/analysis_tools/analyze_logs.py',
              'val_summary', str(tmp_path / 'work'), '--legend', 'A')
    assert '| A | 1 | 10.00 | 11.00 | 0.900 | 3 | 12.00 | 1.300 | ' \
        '0.2 min |' in log


def test_print_config_shows_the_merged_config(tmp_path):
    out = tmp_path / 'resolved.py'
    log = run(sys.executable, 'tools/misc/print_config.py',
              'configs/p2r/sha_5pct.py', '--cfg-options',
              'train_cfg.max_epochs=7', '--save-path', str(out))
    assert log.startswith('Config:\n')
    assert "type='SemiPointCounter'" in log  # from the _base_ files
    assert 'max_epochs=7' in log
    saved = Config.fromfile(str(out))
    assert saved.train_cfg.max_epochs == 7
    assert saved.model.counter.head.type == 'PointClassificationHead'


def test_get_flops_counts_parameters_and_scales_with_pixels(tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py')
    results = []
    for shape in (['60'], ['128', '128']):
        out = tmp_path / f'flops_{len(shape)}.json'
        log = run(sys.executable, 'tools/analysis_tools/get_flops.py',
                  config, '--shape', *shape, '--out', str(out))
        assert 'Flops:' in log and 'Params:' in log
        results.append(json.loads(out.read_text()))
    assert 'input 60x60 padded to 64x64' in run(
        sys.executable, 'tools/analysis_tools/get_flops.py', config,
        '--shape', '60')
    small, large = results
    assert small['input_shape'] == [64, 64]
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        model = MODELS.build(Config.fromfile(config).model)
    assert small['params'] == sum(p.numel() for p in model.parameters())
    # Convolutions everywhere: 4x the pixels, 4x the multiply-adds.
    assert small['flops'] > 0 and large['flops'] == 4 * small['flops']


def test_benchmark_reports_images_per_second(tmp_path):
    make_shanghaitech(str(tmp_path / 'sha'), n_train=1, n_test=2)
    config = write_tiny_config(tmp_path / 'tiny.py')
    with open(config, 'a') as f:
        f.write(f"test_dataloader = dict(num_workers=0, persistent_workers="
                f"False, dataset=dict(data_root='{tmp_path / 'sha'}/'))\n")
    out = tmp_path / 'speed.json'
    log = run(sys.executable, 'tools/analysis_tools/benchmark.py', config,
              '--max-iter', '5', '--num-warmup', '1', '--log-interval', '2',
              '--tta', '--device', 'cpu', '--out', str(out))
    assert 'batch [2/5]' in log and 'batch [4/5]' in log
    assert 'images/s' in log and '(5 images on cpu' in log
    result = json.loads(out.read_text())
    assert result['images'] == 5 and result['tta'] is True
    assert result['images_per_s'] > 0
    assert abs(result['ms_per_image'] * result['images_per_s'] - 1000) < 1e-6
