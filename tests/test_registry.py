import subprocess
import sys

import pytest
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope

from p2r_mm import registry


@pytest.mark.parametrize('name', [
    'RUNNERS', 'LOOPS', 'HOOKS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS',
    'MODELS', 'MODEL_WRAPPERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR', 'TASK_UTILS', 'VISUALIZERS',
    'VISBACKENDS', 'LOG_PROCESSORS', 'WEIGHT_INITIALIZERS'
])
def test_every_node_is_a_p2r_mm_child_of_mmengine_root(name):
    node = getattr(registry, name)
    assert node.scope == 'p2r_mm'
    assert node.parent is not None and node.parent.scope == 'mmengine'
    assert node.parent.parent is None


def test_root_builds_p2r_mm_components_under_the_default_scope():
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        loss = ROOT_MODELS.build(dict(type='P2RLoss'))
    assert type(loss).__module__ == 'p2r_mm.models.losses.p2r_loss'


def test_parent_components_resolve_without_prefix():
    import torch.nn as nn
    model = nn.Linear(2, 2)
    optim = registry.OPTIMIZERS.build(
        dict(type='Adam', params=model.parameters(), lr=1e-3))
    assert type(optim).__name__ == 'Adam'


def test_config_scope_builds_without_importing_p2r_mm_by_hand():
    # A fresh interpreter that never imports p2r_mm.models: the registry's
    # locations must do it.
    code = '\n'.join([
        'import sys',
        'from mmengine.registry import MODELS, TASK_UTILS, '
        'init_default_scope',
        "init_default_scope('p2r_mm')",
        "assert 'p2r_mm.models' not in sys.modules",
        "assigner = TASK_UTILS.build(dict(type='RegionAssigner'))",
        "print(type(assigner).__name__)",
        "assert 'p2r_mm.models' in sys.modules",
        "loss = MODELS.build(dict(type='P2PLoss', ignore_unmatched=True))",
        "print(type(loss).__name__, loss.assigner.ignore_unmatched)",
    ])
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ['RegionAssigner', 'P2PLoss', 'True']


def test_mmdet_semi_supervised_pieces_build_through_p2r_mm_nodes():
    # Needs the compiled mmcv (mmcv._ext): this is what the install builds.
    branch = registry.TRANSFORMS.build(
        dict(type='mmdet.MultiBranch', branch_field=['sup'],
             sup=[dict(type='mmdet.PackDetInputs')]))
    hook = registry.HOOKS.build(dict(type='mmdet.MeanTeacherHook'))
    assert type(branch).__name__ == 'MultiBranch'
    assert type(hook).__name__ == 'MeanTeacherHook'
