"""The config tools/train.py and tools/test.py hand to MMEngine's Runner."""
import os.path as osp
from typing import Optional

from mmengine.config import Config

from .cpu_distributed import prepare_cpu_distributed


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
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    prepare_cpu_distributed(cfg, launcher)
    return cfg
