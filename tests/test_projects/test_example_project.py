"""projects/example_project: its module, its config, and 2 training
iterations through tools/train.py."""
import ast
import os
import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config

from p2r_mm.registry import MODELS
from ..test_tools.test_train_test_tools import REPO

PROJECT = osp.join(REPO, 'projects', 'example_project')
CONFIG = osp.join(PROJECT, 'configs', 'tiny-backbone_synthetic_5pct.py')

# Tiny synthetic splits and a 2-iteration schedule on top of the project
# config (which itself stays _base_ + custom_imports + one override).
TWO_ITERS = """
_base_ = ['{config}']
tiny = dict(data_root='{root}', num_images=4, image_size=(64, 96),
            scene=dict(count_range=(5, 20)))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(times=1, dataset=dict(
        labeled_ratio=0.5,
        pipeline=[dict(type='LoadCrowdImage'),
                  dict(type='LoadCrowdAnnotations'),
                  dict(type='RandomScaleCrop', crop_size=(64, 64)),
                  dict(type='PackCrowdInputs')], **tiny)))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(**tiny))
test_dataloader = val_dataloader
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=2,
                 val_interval=100)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(by_epoch=False, interval=2,
                                     save_best=None))
log_processor = dict(by_epoch=False)
"""


def test_config_is_base_imports_and_one_override():
    with open(CONFIG) as f:
        tree = ast.parse(f.read())
    own = [t.id for node in tree.body for t in node.targets]
    assert own == ['_base_', 'custom_imports', 'model']
    cfg = Config.fromfile(CONFIG, import_custom_modules=False)
    assert cfg.model.backbone == dict(type='TinyCrowdBackbone')
    assert cfg.custom_imports.imports == [
        'projects.example_project.tiny_backbone']


def test_backbone_feeds_the_house_neck():
    sys.path.insert(0, REPO)
    try:
        import projects.example_project.tiny_backbone  # noqa: F401
    finally:
        sys.path.remove(REPO)
    cfg = Config.fromfile(CONFIG, import_custom_modules=False)
    model = MODELS.build(cfg.model)
    fine, coarse = model.backbone(torch.zeros(1, 3, 64, 96))
    assert fine.shape == (1, 128, 8, 12) and coarse.shape == (1, 128, 4, 6)
    assert model(torch.zeros(1, 3, 64, 96)).shape == (1, 1, 16, 24)


def test_trains_two_iterations(tmp_path):
    config = tmp_path / 'two_iters.py'
    config.write_text(TWO_ITERS.format(config=CONFIG,
                                       root=tmp_path / 'data'))
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO] + [p for p in [env.get('PYTHONPATH')] if p])
    run = subprocess.run(
        [sys.executable, 'tools/train.py', str(config), '--work-dir',
         str(tmp_path / 'work')], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    assert 'Iter(train) [2/2]' in run.stdout + run.stderr
    state = torch.load(tmp_path / 'work' / 'iter_2.pth',
                       weights_only=False)['state_dict']
    assert 'backbone.stages.3.1.conv.weight' in state
    assert not any(k.startswith('backbone.features') for k in state)
