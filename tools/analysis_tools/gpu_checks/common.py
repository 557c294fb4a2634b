"""What the sections of gpu_check.py share: the machine and versions, the
paper config on generated ShanghaiTech-format data, precision contexts and
device timing."""
import copy
import os
import os.path as osp
import platform
import time
from contextlib import contextmanager
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
PAPER_CONFIG = osp.join(REPO, 'configs', 'p2r', 'sha_5pct.py')
# The narrow counter of the CPU tests (base width 4 instead of 64).
NARROW = dict(backbone=dict(base_channels=4),
              neck=dict(in_channels=(32, 32), out_channels=16),
              head=dict(in_channels=16, feat_channels=16))
QUICK_CROP = (64, 64)


# ------------------------------------------------------------ environment
def versions() -> dict:
    import mmcv
    import mmdet
    import mmengine
    import numpy
    import scipy

    import p2r_mm
    cuda = torch.cuda.is_available()
    return dict(
        python=platform.python_version(), torch=torch.__version__,
        cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version()
        if cuda else None, mmengine=mmengine.__version__,
        mmcv=mmcv.__version__, mmdet=mmdet.__version__,
        p2r_mm=p2r_mm.__version__, numpy=numpy.__version__,
        scipy=scipy.__version__)


def machine(device: torch.device) -> dict:
    info = dict(platform=platform.platform(),
                processor=platform.processor() or platform.machine(),
                cpus=os.cpu_count(), torch_threads=torch.get_num_threads(),
                device=str(device))
    if device.type == 'cuda':
        props = torch.cuda.get_device_properties(device)
        info.update(gpu=props.name,
                    gpu_memory_gib=round(props.total_memory / 2**30, 1),
                    compute_capability=f'{props.major}.{props.minor}',
                    gpu_count=torch.cuda.device_count())
    return info


def precision_flags() -> dict:
    """The settings that decide what 'fp32' means on the GPU."""
    return dict(
        cudnn_allow_tf32=torch.backends.cudnn.allow_tf32,
        matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32,
        cudnn_benchmark=torch.backends.cudnn.benchmark)


@contextmanager
def exact_fp32():
    """fp32 convolutions and matmuls without TF32 (Ampere and later use
    TF32 for cuDNN convolutions by default: ~1e-3 relative error, which
    would hide a real difference between devices)."""
    saved = (torch.backends.cudnn.allow_tf32,
             torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        (torch.backends.cudnn.allow_tf32,
         torch.backends.cuda.matmul.allow_tf32) = saved


# ------------------------------------------------------------ timing
def sync(device: torch.device) -> None:
    """Wait for the device: CUDA kernels run asynchronously, so a clock
    read without this measures only the launch."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def now(device: torch.device) -> float:
    sync(device)
    return time.perf_counter()


def reset_peak(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)


def peak_mb(device: torch.device) -> Optional[float]:
    """Peak memory allocated by tensors since :func:`reset_peak`, MiB (None
    on the CPU, where torch keeps no such count)."""
    if device.type != 'cuda':
        return None
    return torch.cuda.max_memory_allocated(device) / 2**20


def allocated_mb(device: torch.device) -> Optional[float]:
    if device.type != 'cuda':
        return None
    return torch.cuda.memory_allocated(device) / 2**20


def free_memory(device: torch.device) -> None:
    import gc
    gc.collect()
    if device.type == 'cuda':
        torch.cuda.empty_cache()


# ------------------------------------------------------------ precision
def amp_dtype(device: torch.device) -> torch.dtype:
    """What ``--amp`` computes in: fp16 on CUDA (with loss scaling),
    bfloat16 on the CPU (the only autocast type there)."""
    return torch.float16 if device.type == 'cuda' else torch.bfloat16


class Bf16CpuOptimWrapper(OptimWrapper):
    """The CPU stand-in of ``AmpOptimWrapper`` (which refuses to start
    without a GPU): bfloat16 autocast around the forward pass, no loss
    scaling (bfloat16 has fp32's exponent range)."""

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=torch.bfloat16):
            yield


def make_optim_wrapper(model, optim_cfg: dict, precision: str,
                       device: torch.device) -> OptimWrapper:
    """The config's optimiser in an ``OptimWrapper`` ('fp32') or what
    ``tools/train.py --amp`` gives ('amp': ``AmpOptimWrapper``, fp16,
    dynamic loss scale; on the CPU :class:`Bf16CpuOptimWrapper`)."""
    cfg = copy.deepcopy(dict(optim_cfg))
    if precision == 'amp' and device.type == 'cuda':
        cfg.update(type='AmpOptimWrapper', dtype='float16')
        cfg.setdefault('loss_scale', 'dynamic')
        return build_optim_wrapper(model, cfg)
    wrapper = build_optim_wrapper(model, cfg)
    if precision == 'amp':
        return Bf16CpuOptimWrapper(wrapper.optimizer)
    return wrapper


# ------------------------------------------------------------ the paper run
def paper_config(data_root: str, quick: bool, batch_size: int = 32,
                 num_workers: int = 0) -> Config:
    """``configs/p2r/sha_5pct.py`` on ``data_root``: the full-width model
    (narrow with ``quick``) without its ImageNet download (speed does not
    depend on the weights; the check machine may be offline), the
    official loader with ``batch_size`` crops per step (half labelled);
    ``quick`` also crops 64x64 instead of 256x256."""
    from p2r_mm.apis import counter_config
    init_default_scope('p2r_mm')
    cfg = Config.fromfile(PAPER_CONFIG)
    counter = counter_config(cfg.model)
    counter.backbone.init_cfg = None
    loader = cfg.train_dataloader
    if quick:
        for part, over in NARROW.items():
            counter[part].update(over)
        for key in ('labeled_pipeline', 'unlabeled_pipeline'):
            for step in loader.dataset[key]:
                if step['type'] == 'RandomScaleCrop':
                    step['crop_size'] = QUICK_CROP
    loader.dataset.dataset.data_root = data_root
    loader.batch_size = batch_size
    loader.sampler.batch_size = batch_size
    loader.num_workers = num_workers
    loader.persistent_workers = num_workers > 0
    return cfg


def config_workers() -> int:
    """The paper config's dataloader workers per GPU."""
    return int(Config.fromfile(PAPER_CONFIG).train_dataloader.num_workers)


def build_model(model_cfg: dict, device: torch.device, seed: int = 0):
    from mmengine.runner import set_random_seed

    from p2r_mm.registry import MODELS
    set_random_seed(seed)
    model = MODELS.build(copy.deepcopy(model_cfg))
    model.init_weights()
    return model.to(device)


def build_loader(cfg: Config, seed: int = 0):
    from mmengine.runner import Runner, set_random_seed
    set_random_seed(seed)
    return Runner.build_dataloader(copy.deepcopy(cfg.train_dataloader),
                                   seed=seed)


def one_batch(cfg: Config, seed: int = 0) -> dict:
    """The first batch of the config's train loader (in this process)."""
    cfg = copy.deepcopy(cfg)
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    return next(iter(build_loader(cfg, seed)))


def ensure_data(root: str, quick: bool, workers: int = 1) -> dict:
    """Generated ShanghaiTech-A-format images under ``root`` (reused when
    already there): 300 train images (the shipped ``sha-5.txt`` names 15
    of them), 16 distinct scenes of part A's size; ``quick``: 4 distinct
    small scenes."""
    from p2r_mm.datasets.synthetic import SceneParams
    from .shanghaitech_format import SHA_LIKE_PARAMS, write_shanghaitech
    if quick:
        params = SceneParams(image_size=(256, 320), count_range=(10, 80))
        return write_shanghaitech(root, num_test=2, distinct=4,
                                  params=params, workers=1)
    return write_shanghaitech(root, distinct=16, params=SHA_LIKE_PARAMS,
                              workers=workers)
