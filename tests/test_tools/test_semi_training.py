"""Semi-supervised P2R through tools/train.py on tiny data: training with
labelled + unlabelled batches, the unsup branch live, then resume."""
import re
import sys

import torch

from ..test_datasets.fake_crowd_data import make_shanghaitech
from .test_train_test_tools import REPO, free_port, run

TINY_SEMI = """
_base_ = ['{repo}/configs/{method}/sha_5pct.py']
data_root = '{root}/'
model = dict(counter=dict(
    backbone=dict(base_channels=4, init_cfg=None),
    neck=dict(in_channels=(32, 32), out_channels=16),
    head=dict(in_channels=16, feat_channels=16)))
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(batch_size=4),
    dataset=dict(
        labeled_split=None, labeled_ratio=0.34,
        dataset=dict(data_root=data_root)))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2, val_interval=1)
custom_hooks = [
    dict(type='mmdet.MeanTeacherHook', momentum=0.002, skip_buffer=True),
    dict(type='UnsupWeightHook', burn_in_epochs=1, step=0.5, max_weight=2.0),
]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0)
"""


def branch_states(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return tuple({k[len(part) + 1:]: v for k, v in ckpt['state_dict'].items()
                  if k.startswith(part + '.')}
                 for part in ('student', 'teacher'))


def write_config(tmp_path, method='p2r'):
    root = tmp_path / 'part_A'
    if not root.exists():
        make_shanghaitech(str(root), n_train=6, n_test=2)
    config = tmp_path / f'tiny_{method}_semi.py'
    config.write_text(TINY_SEMI.format(repo=REPO, root=root, method=method))
    return config


def test_semi_supervised_training_then_resume(tmp_path):
    config = write_config(tmp_path)
    work = tmp_path / 'work'
    log = run(sys.executable, 'tools/train.py', str(config), '--work-dir',
              str(work))
    # 6 images: 2 labelled; the unlabelled pool is all 6 (the official
    # loader's); 2 of them per batch of 4 -> an epoch is 3 iterations.
    assert 'Epoch(train) [1][3/3]' in log and 'Epoch(train) [2][3/3]' in log
    lines = {e: [line for line in log.splitlines()
                 if f'Epoch(train) [{e}][3/3]' in line][0] for e in (1, 2)}
    # Burn-in: no unlabelled branch. The epoch after it runs the branch at
    # w = 0, as the official code does.
    assert 'unsup_weight: 0.0000' in lines[1]
    assert float(re.search(r'pseudo_points: ([\d.]+)',
                           lines[1]).group(1)) == 0
    assert 'unsup_weight: 0.0000' in lines[2]
    assert float(re.search(r'pseudo_points: ([\d.]+)',
                           lines[2]).group(1)) > 0
    assert float(re.search(r' unsup: ([\d.]+)', lines[2]).group(1)) > 0
    student1, teacher1 = branch_states(work / 'epoch_1.pth')
    student2, teacher2 = branch_states(work / 'epoch_2.pth')
    assert student2.keys() == teacher2.keys()
    # The teacher moved between the epochs, and lags behind the student:
    # it follows by EMA, never equal to it.
    weights = [k for k in teacher2 if k.endswith('weight')]
    assert any(not torch.equal(teacher1[k], teacher2[k]) for k in weights)
    assert all(not torch.equal(student2[k], teacher2[k]) for k in weights)
    # Its parameters sit between their previous value and the student's.
    k = 'head.cls.weight'
    step = teacher2[k] - teacher1[k]
    assert (step * (student2[k] - teacher1[k])).sum() > 0

    log = run(sys.executable, 'tools/train.py', str(config), '--work-dir',
              str(work), '--resume', '--cfg-options',
              'train_cfg.max_epochs=3')
    assert 'resumed epoch: 2' in log
    epoch3 = [line for line in log.splitlines()
              if 'Epoch(train) [3][3/3]' in line][0]
    assert 'unsup_weight: 0.5000' in epoch3


def test_two_process_cpu_semi_supervised_training_and_resume(tmp_path):
    """The paper config's sampler on two ranks (gloo): each rank gets its
    share of the unlabelled pass, the last batch partial."""
    config = write_config(tmp_path)
    work = tmp_path / 'work_dist'
    dist = ('bash', 'tools/dist_train.sh', str(config), '2', '--work-dir',
            str(work))
    log = run(*dist, '--cfg-options', 'train_cfg.max_epochs=2',
              env=dict(PORT=str(free_port())))
    # 6 unlabelled images over 2 ranks: 3 per rank, 2 per batch -> 2
    # iterations (2 + 1).
    assert 'Epoch(train) [2][2/2]' in log
    assert (work / 'epoch_2.pth').is_file()
    log = run(*dist, '--resume', '--cfg-options', 'train_cfg.max_epochs=3',
              env=dict(PORT=str(free_port())))
    assert 'resumed epoch: 2' in log
    epoch3 = [line for line in log.splitlines()
              if 'Epoch(train) [3][2/2]' in line][0]
    assert 'unsup_weight: 0.5000' in epoch3
    assert float(re.search(r'pseudo_points: ([\d.]+)', epoch3).group(1)) > 0
    student, teacher = branch_states(work / 'epoch_3.pth')
    assert student.keys() == teacher.keys()


def test_p2p_baseline_config_trains(tmp_path):
    config = write_config(tmp_path, 'p2p')
    work = tmp_path / 'work_p2p'
    log = run(sys.executable, 'tools/train.py', str(config), '--work-dir',
              str(work), '--cfg-options', 'train_cfg.max_epochs=2')
    assert 'Epoch(train) [2][3/3]' in log


TINY_SYNTHETIC = """
_base_ = ['{repo}/configs/p2r/synthetic_5pct.py']
small = dict(data_root='{root}/', image_size=(64, 96))
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(dataset=dict(num_images=20, **small)))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(num_images=2, **small))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2, val_interval=2)
custom_hooks = [
    dict(type='mmdet.MeanTeacherHook', momentum=0.01, skip_buffer=False),
    dict(type='UnsupWeightHook', burn_in_epochs=1, step=0.5, max_weight=2.0),
]
randomness = dict(seed=0)
"""


def test_the_main_job_config_runs_on_generated_data(tmp_path):
    """configs/p2r/synthetic_5pct.py as the README runs it, shrunk: the
    synthetic data is generated on first use and the run ends with test
    metrics."""
    config = tmp_path / 'tiny_synthetic.py'
    config.write_text(TINY_SYNTHETIC.format(repo=REPO,
                                            root=tmp_path / 'synthetic'))
    log = run(sys.executable, 'tools/train.py', str(config), '--work-dir',
              str(tmp_path / 'work'))
    assert (tmp_path / 'synthetic' / 'train' / 'annotations.json').is_file()
    # 20 images, 5 % labelled: 1 labelled, 19 unlabelled, 4 per batch.
    assert 'Epoch(train) [2][5/5]' in log
    assert re.search(r'Epoch\(val\) \[2\]\[2/2\]\s+mae: [\d.]+\s+rmse', log)


def test_auto_scale_lr_scales_from_the_paper_batch(tmp_path):
    config = write_config(tmp_path)
    log = run(sys.executable, 'tools/train.py', str(config), '--work-dir',
              str(tmp_path / 'work_scaled'), '--auto-scale-lr',
              '--cfg-options', 'train_cfg.max_epochs=1')
    # 1 process x 4 crops against the paper's 1 x (16 + 16).
    assert 'Scaling the original LR by 0.125' in log
    # The first parameter group, the backbone's: 1e-5 x 0.125.
    assert 'lr: 1.2500e-06' in log
