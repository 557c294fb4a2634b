"""A shipped config resolves to what MMEngine reads and nothing else.

A variable that a base file defines only to build its dataloaders (a
pipeline, a crop size, a counter to merge) would reach every config that
inherits it as a top-level key that nothing reads: ``--cfg-options`` on it
would silently change nothing. The bases therefore set only the keys that
MMEngine reads (``runner_config_keys``) and take pieces of each other
through them (``_base_.train_dataloader...``), in one substitution style
(``_base_.x``, never ``{{_base_.x}}``).
"""
import glob
import os
import os.path as osp

import pytest
from mmengine.config import Config

from p2r_mm.engine.runner_config import runner_config_keys
from .test_all_configs import CONFIGS, REPO

ALLOWED_KEYS = runner_config_keys()

#: The projects' leaf configs, beside the package's (CONFIGS).
PROJECT_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'projects', '*', 'configs', '*.py')))
BASES = osp.join(REPO, 'configs', '_base_')
# Each semi-supervised dataset base and the supervised one it trains on.
SEMI_AND_SUPERVISED = [
    (f'datasets/{name}_semi.py', f'datasets/{name}.py')
    for name in ('sha', 'shb', 'qnrf', 'jhu', 'nwpu', 'synthetic', 'shb_cpu')
]


def unknown_keys(path: str) -> list:
    """Top-level keys of the resolved config at ``path`` that MMEngine does
    not read, sorted."""
    # Without importing custom_imports: only the keys are looked at.
    cfg = Config.fromfile(path, import_custom_modules=False)
    return sorted(set(cfg.keys()) - ALLOWED_KEYS)


def test_allowed_keys_cover_what_the_runner_reads():
    # A sanity check of the signature-derived set, so that an MMEngine
    # release that renames the Runner's arguments fails here, not silently.
    assert {'model', 'train_dataloader', 'val_evaluator', 'default_hooks',
            'visualizer', 'default_scope', 'randomness'} <= ALLOWED_KEYS


@pytest.mark.parametrize('path', CONFIGS + PROJECT_CONFIGS)
def test_no_helper_variable_reaches_a_resolved_config(path):
    leaked = unknown_keys(osp.join(REPO, path))
    assert not leaked, (f'{path}: top-level keys that MMEngine never reads '
                        f'(helper variables of a base?): {leaked}')


def test_a_leaked_helper_is_reported(tmp_path):
    """The check above can fail: a base that keeps a helper variable."""
    base = tmp_path / 'base_with_helper.py'
    base.write_text(f"_base_ = ['{REPO}/configs/supervised/sha_full.py']\n"
                    "crop_size = (128, 128)\n")
    leaf = tmp_path / 'leaf.py'
    leaf.write_text("_base_ = ['./base_with_helper.py']\n"
                    "train_dataloader = dict(batch_size=4)\n")
    assert unknown_keys(str(leaf)) == ['crop_size']


CONFIG_FILES = sorted(
    osp.relpath(osp.join(root, name), REPO)
    for top in [osp.join(REPO, 'configs')] + glob.glob(
        osp.join(REPO, 'projects', '*', 'configs'))
    for root, _, names in os.walk(top)
    for name in names if name.endswith('.py'))


@pytest.mark.parametrize('path', CONFIG_FILES)
def test_one_substitution_style(path):
    with open(osp.join(REPO, path)) as f:
        assert '{{' not in f.read(), (
            f'{path}: use _base_.x, not the text substitution '
            '{{_base_.x}}')


@pytest.mark.parametrize('path',
                         [p for p in CONFIGS if '/supervised/' not in p])
def test_the_sampler_takes_the_loaders_batch_size(path):
    loader = Config.fromfile(osp.join(REPO, path)).train_dataloader
    assert loader.sampler.batch_size == loader.batch_size, path


@pytest.mark.parametrize('semi,supervised', SEMI_AND_SUPERVISED)
def test_semi_supervised_data_is_the_supervised_data(semi, supervised):
    """Every *_semi.py derives from the template sha_semi.py and restates
    its dataset: the result must be the supervised base's data, evaluated
    alike, with the labelled crops augmented alike."""
    semi_cfg = Config.fromfile(osp.join(BASES, semi))
    sup_cfg = Config.fromfile(osp.join(BASES, supervised))
    assert semi_cfg.val_dataloader == sup_cfg.val_dataloader, semi
    assert semi_cfg.test_dataloader == sup_cfg.test_dataloader, semi
    semi_data = semi_cfg.train_dataloader.dataset
    sup_data = dict(sup_cfg.train_dataloader.dataset)
    sup_pipeline = sup_data.pop('pipeline')
    inner = dict(semi_data.dataset)
    inner.pop('hide_unlabeled_gt', None)
    assert inner == sup_data, semi
    # The labelled branch is the supervised pipeline; the unlabelled one
    # is it without the points (unless kept hidden), with the strong copy
    # made right before the random crop.
    assert semi_data.labeled_pipeline[:-1] == sup_pipeline[:-1], semi
    crop = [s.type for s in sup_pipeline].index('RandomScaleCrop')
    unlabeled = [s for s in semi_data.unlabeled_pipeline
                 if s.type != 'LoadCrowdAnnotations']
    expected = [s for s in sup_pipeline[:crop]
                if s.type != 'LoadCrowdAnnotations']
    assert unlabeled[:crop - 1] == expected, semi
    assert unlabeled[crop - 1].type == 'AddStrongImage', semi
    assert unlabeled[crop:-1] == sup_pipeline[crop:-1], semi
    # Points reach the unlabelled crops only to measure pseudo-labels.
    hidden_kept = semi_data.dataset.get('hide_unlabeled_gt', True) is False
    assert hidden_kept == ('LoadCrowdAnnotations' in [
        s.type for s in semi_data.unlabeled_pipeline]), semi
