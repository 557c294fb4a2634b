"""The synthetic benchmark's protocol: four methods that share everything
but what defines them, a held-out validation split, and a schedule with
the paper's shape."""
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from p2r_mm.apis import counter_config
from p2r_mm.engine.hooks import UnsupWeightHook
from ..test_tools.test_train_test_tools import REPO, run

CONFIGS = dict(
    labelled_only='configs/supervised/synthetic_5pct.py',
    full_label='configs/supervised/synthetic_full.py',
    p2r_semi='configs/p2r/synthetic_5pct.py',
    p2p_semi='configs/p2p/synthetic_5pct.py')
SMALL = dict(num_images=20, image_size=(64, 96),
             scene=dict(count_range=(5, 30)))


def load(method):
    return Config.fromfile(f'{REPO}/{CONFIGS[method]}')


def inner_dataset(cfg):
    """The generated dataset of the training loader (inside RepeatDataset
    or SemiCrowdDataset)."""
    return cfg.train_dataloader.dataset.dataset


def counter(cfg):
    return counter_config(cfg.model)


def test_methods_share_network_schedule_and_evaluation():
    cfgs = {m: load(m) for m in CONFIGS}
    ref = cfgs['labelled_only']
    for method, cfg in cfgs.items():
        c = counter(cfg)
        for part in ('backbone', 'neck', 'head'):
            a, b = dict(c[part]), dict(counter(ref)[part])
            a.pop('loss', None), b.pop('loss', None)
            assert a == b, (method, part)
        assert cfg.optim_wrapper == ref.optim_wrapper
        assert cfg.param_scheduler == ref.param_scheduler
        assert cfg.train_cfg == ref.train_cfg
        assert cfg.val_dataloader.dataset.split == 'val'
        assert cfg.test_dataloader.dataset.split == 'test'
        assert cfg.default_hooks.checkpoint.save_best == 'mae4_rmse'
        assert inner_dataset(cfg).data_root == inner_dataset(ref).data_root
    # What defines them: the labelled fraction and the unlabelled branch.
    assert inner_dataset(cfgs['full_label']).labeled_ratio is None
    for m in ('labelled_only', 'p2r_semi', 'p2p_semi'):
        assert cfgs[m].train_dataloader.dataset.get(
            'labeled_ratio', inner_dataset(cfgs[m]).get('labeled_ratio')) \
            == 0.05
    assert cfgs['p2p_semi'].model.unsup_loss.type == 'P2PLoss'
    assert cfgs['p2r_semi'].model.get('unsup_loss') is None
    assert cfgs['p2r_semi'].custom_hooks == cfgs['p2p_semi'].custom_hooks


def test_every_method_takes_the_same_optimiser_steps(tmp_path):
    init_default_scope('p2r_mm')
    lengths = {}
    for method in CONFIGS:
        cfg = load(method)
        loader = cfg.train_dataloader
        loader.update(num_workers=0, persistent_workers=False)
        inner_dataset(cfg).update(data_root=str(tmp_path) + '/', **SMALL)
        lengths[method] = len(Runner.build_dataloader(loader, seed=0))
    # 20 images, 4 crops a step: 1 labelled image repeated 20 times; all
    # 20 labelled; 20 unlabelled (beside 4 labelled crops a step).
    assert set(lengths.values()) == {5}, lengths


def test_schedule_has_the_paper_shape():
    cfg = load('p2r_semi')
    epochs = cfg.train_cfg.max_epochs
    hook = next(h for h in cfg.custom_hooks if h.type == 'UnsupWeightHook')
    hook = UnsupWeightHook(**{k: v for k, v in hook.items() if k != 'type'})
    started = [hook.started_at(e) for e in range(epochs)]
    weights = [hook.weight_at(e) for e in range(epochs)]
    burn_in = started.count(False) / epochs
    plateau = weights.count(hook.max_weight) / epochs
    ramp = 1 - burn_in - plateau
    # Burn-in, ramp and plateau come in this order...
    assert weights == sorted(weights) and started == sorted(started)
    # ...and most of training is at the full unlabelled weight.
    assert 0 < burn_in <= 0.25 and 0 < ramp <= 0.2 and plateau >= 0.6
    # The lr decays once, late, for a minority of the steps.
    (step, ) = cfg.param_scheduler
    assert step.type == 'MultiStepLR' and step.gamma < 1
    assert 0.7 * epochs <= step.milestones[0] < epochs
    # Validation often enough to select, and the best kept by it.
    assert epochs // cfg.train_cfg.val_interval >= 6


def test_the_full_label_oracle_trains(tmp_path):
    root = tmp_path / 'synthetic'
    opts = [f'{k}={v}' for k, v in {
        'train_dataloader.dataset.dataset.data_root': f'{root}/',
        'train_dataloader.dataset.dataset.num_images': 8,
        'train_dataloader.dataset.dataset.image_size': '[64,96]',
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.dataset.data_root': f'{root}/',
        'val_dataloader.dataset.num_images': 2,
        'val_dataloader.dataset.image_size': '[64,96]',
        'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False,
        'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
    }.items()]
    log = run(sys.executable, 'tools/train.py', CONFIGS['full_label'],
              '--work-dir', str(tmp_path / 'work'), '--cfg-options', *opts)
    # All 8 images labelled, 4 a step; validation on the val split.
    assert 'Epoch(train) [1][2/2]' in log
    assert "8 images in subset 'all' (8 in the split, 8 labelled" in log
    assert (root / 'val' / 'annotations.json').is_file()
    assert not (root / 'test').exists()


@pytest.mark.parametrize('method', ['p2r_semi', 'p2p_semi'])
def test_semi_configs_measure_pseudo_labels_on_hidden_points(method):
    cfg = load(method)
    assert cfg.model.semi_train_cfg.pseudo_quality == dict(
        match_distance=8.0)
    dataset = cfg.train_dataloader.dataset
    assert dataset.dataset.hide_unlabeled_gt is False
    assert [t.type for t in dataset.unlabeled_pipeline[:2]] == [
        'LoadCrowdImage', 'LoadCrowdAnnotations']
