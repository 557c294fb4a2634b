"""browse_dataset.py and analyze_logs.py end to end."""
import json
import sys

import cv2

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
