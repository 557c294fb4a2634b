"""load_runner_config: --cfg-options on a key that nothing reads is an
error, not a silent no-op."""
import os.path as osp

import pytest

from p2r_mm.engine import load_runner_config
from p2r_mm.engine.runner_config import runner_config_keys
from ..test_configs.test_all_configs import REPO

SEMI = osp.join(REPO, 'configs', 'p2r', 'synthetic_5pct.py')


def test_an_option_outside_the_config_and_mmengine_is_refused():
    with pytest.raises(ValueError, match=r"synthetic_5pct.py.*'counter'"):
        load_runner_config(SEMI, cfg_options={'counter.head.logit_thr': 0.5})


def test_options_on_the_config_or_on_what_mmengine_reads_apply(tmp_path):
    cfg = load_runner_config(
        SEMI, work_dir=str(tmp_path),
        cfg_options={'model.counter.head.logit_thr': 0.5,
                     'find_unused_parameters': True,
                     'experiment_name': 'probe'})
    assert cfg.model.counter.head.logit_thr == 0.5
    assert cfg.find_unused_parameters is True
    assert cfg.experiment_name == 'probe'


def test_the_known_keys_follow_the_runner():
    keys = runner_config_keys()
    assert {'model', 'train_dataloader', 'val_evaluator', 'default_hooks',
            'visualizer', 'default_scope', 'randomness', 'experiment_name',
            'custom_imports', 'model_wrapper_cfg'} <= keys
    assert 'self' not in keys and 'cfg' not in keys
