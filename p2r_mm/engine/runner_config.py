"""The config tools/train.py and tools/test.py hand to MMEngine's Runner."""
import inspect
import os.path as osp
from typing import FrozenSet, Optional

from mmengine.config import Config
from mmengine.runner import Runner

from .cpu_distributed import prepare_cpu_distributed

#: Top-level config keys that MMEngine reads although they are no argument
#: of ``Runner.__init__``.
READ_OUTSIDE_RUNNER_ARGS = frozenset({
    'custom_imports',  # Config.fromfile imports these modules (projects)
    'model_wrapper_cfg',  # Runner.wrap_model: the DDP wrapper's config
    'find_unused_parameters',  # Runner.wrap_model, without a wrapper cfg
    'sync_bn',  # Runner.wrap_model: convert BN layers to SyncBN
    'compile',  # Runner.train: torch.compile the model
})


def runner_config_keys() -> FrozenSet[str]:
    """Every top-level config key that MMEngine reads: the arguments of
    ``Runner.__init__`` (taken from its signature, so that they follow
    MMEngine's version) and :data:`READ_OUTSIDE_RUNNER_ARGS`."""
    params = inspect.signature(Runner.__init__).parameters
    return frozenset(set(params) - {'self', 'cfg'}) | READ_OUTSIDE_RUNNER_ARGS


def check_cfg_options(cfg: Config, cfg_options: dict, config: str) -> None:
    """Refuse ``--cfg-options`` on a top-level key that neither the config
    nor MMEngine has: MMEngine would add it, and nothing would read it
    (``counter.head.logit_thr=0.5`` instead of
    ``model.counter.head.logit_thr=0.5`` changes nothing)."""
    known = set(cfg.keys()) | runner_config_keys()
    unknown = sorted({key.split('.')[0] for key in cfg_options} - known)
    if unknown:
        raise ValueError(
            f'{config}: --cfg-options {", ".join(map(repr, unknown))}: the '
            'config has no such top-level key and MMEngine reads none, so '
            'the option would change nothing (a model setting is '
            'model.<...>, model.counter.<...> in semi-supervised configs)')


def load_runner_config(config: str,
                       launcher: str = 'none',
                       cfg_options: Optional[dict] = None,
                       work_dir: Optional[str] = None) -> Config:
    """Read ``config``, apply ``--cfg-options``, choose the work dir
    (``--work-dir``, else the config's, else ``work_dirs/<config name>``)
    and make the launcher usable without CUDA."""
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        check_cfg_options(cfg, cfg_options, config)
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    prepare_cpu_distributed(cfg, launcher)
    return cfg
