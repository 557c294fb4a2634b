"""Every shipped config loads, builds its model, and names only registered
components, so no leaf config can rot."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import p2r_mm  # noqa: F401  (registers the components)
from p2r_mm.registry import (DATA_SAMPLERS, DATASETS, HOOKS, LOOPS, METRICS,
                             MODELS, OPTIM_WRAPPERS, TRANSFORMS,
                             VISUALIZERS)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                       recursive=True) if '_base_' not in p)


def registered(registry, type_name, where):
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        assert registry.get(type_name) is not None, \
            f'{where}: {type_name!r} is not registered in {registry.name}'


def check_transforms(pipeline, where):
    for t in pipeline:
        registered(TRANSFORMS, t['type'], where)
        for key, value in t.items():
            # mmcv.RandomApply's transforms, mmdet.MultiBranch's branches.
            if isinstance(value, list) and value and isinstance(
                    value[0], dict) and 'type' in value[0]:
                check_transforms(value, f'{where}.{t["type"]}.{key}')


def check_dataset(cfg, where):
    registered(DATASETS, cfg['type'], where)
    for key in ('pipeline', 'labeled_pipeline', 'unlabeled_pipeline'):
        if key in cfg:
            check_transforms(cfg[key], f'{where}.{key}')
    for key in ('dataset', ):
        if isinstance(cfg.get(key), dict):
            check_dataset(cfg[key], f'{where}.{key}')


def test_configs_are_found():
    assert 'configs/p2r/sha_5pct.py' in CONFIGS and len(CONFIGS) >= 40


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        check_dataset(loader['dataset'], f'{path}: {split}_dataloader')
        sampler = loader['sampler']['type']
        registered(DATA_SAMPLERS, sampler, f'{path}: {split} sampler')
        if split == 'train' and loader['sampler'].get('batch_size'):
            assert loader['sampler']['batch_size'] == loader['batch_size'], \
                f'{path}: sampler and dataloader batch sizes differ'
    for key in ('val_evaluator', 'test_evaluator'):
        metrics = cfg[key] if isinstance(cfg[key], list) else [cfg[key]]
        for m in metrics:
            registered(METRICS, m['type'], f'{path}: {key}')
    for hook in list(cfg.default_hooks.values()) + list(
            cfg.get('custom_hooks', [])):
        registered(HOOKS, hook['type'], f'{path}: hooks')
    for key in ('train_cfg', 'val_cfg', 'test_cfg'):
        registered(LOOPS, cfg[key]['type'], f'{path}: {key}')
    registered(OPTIM_WRAPPERS, cfg.optim_wrapper['type'], path)
    registered(VISUALIZERS, cfg.visualizer['type'], path)
