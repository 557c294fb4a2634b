"""Count people in images with a trained counter, outside the Runner.

The shape of MMDetection's ``init_detector`` / ``inference_detector``:
build the model from its config, load a checkpoint, and run the config's
test pipeline on files or in-memory images. :func:`prepare_image` is the
same image preparation for tools that call the network themselves (PSAM).
"""
import copy
import os.path as osp
import warnings
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.model import is_model_wrapper
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

from p2r_mm.registry import MODELS, TRANSFORMS
from p2r_mm.structures import CrowdDataSample
from p2r_mm.utils import UntrustedCheckpointError, safe_checkpoint_loading
from .onnx_counter import build_onnx_counter, resolve_backend

ImageType = Union[str, Path, np.ndarray]
# Steps of the test pipeline that read a file / need annotations; the
# first is swapped for an in-memory loader, the second dropped.
FILE_LOADERS = ('LoadCrowdImage', 'LoadImageFromFile')
ANNOTATION_LOADERS = ('LoadCrowdAnnotations', )


def _counter_cfg(model_cfg: dict) -> dict:
    """The supervised counter's config: the model itself, or the
    ``counter`` a semi-supervised wrapper copies into student/teacher."""
    return model_cfg['counter'] if 'counter' in model_cfg else model_cfg


#: What :func:`init_counter` raises for a problem with its input rather than
#: a bug, for tools to report in one line: a missing extra (onnxruntime), a
#: missing or bad config / checkpoint / .onnx, an unavailable device, a
#: checkpoint that needs trusting (``--trust-checkpoint``).
INIT_COUNTER_ERRORS = (ImportError, ValueError, OSError, RuntimeError,
                       UntrustedCheckpointError)


def init_counter(config: Union[str, Path, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 cfg_options: Optional[dict] = None,
                 tile: Optional[Tuple[int, int]] = None,
                 backend: Optional[str] = None) -> nn.Module:
    """Build a counter from its config and load a checkpoint.

    Args:
        config (str | Path | Config): config file or loaded config.
        checkpoint (str, optional): weights to load; without one the model
            keeps its random initialisation (a warning says so).
        device (str): 'cpu', 'cuda', 'cuda:1', ...
        cfg_options (dict, optional): overrides merged into the config.
        tile (tuple[int, int], optional): ``(size, overlap)`` in pixels
            (multiples of 32): predict tile by tile to bound memory on
            huge images (``test_cfg.tile`` of the predicting counter).
        backend (str, optional): 'pytorch' or 'onnxruntime' (then
            ``checkpoint`` is an exported ``.onnx`` file, see
            :class:`OnnxCounter`); by default 'onnxruntime' for a
            ``.onnx`` checkpoint, else 'pytorch'.

    Returns:
        nn.Module: the model in eval mode on ``device``, with the config
        as ``model.cfg`` (:func:`inference_counter` reads its test
        pipeline).
    """
    backend = resolve_backend(checkpoint, backend)
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError('config must be a file name or a Config, got '
                        f'{type(config).__name__}')
    cfg = copy.deepcopy(config)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    counter_cfg = _counter_cfg(cfg.model)
    if checkpoint is not None and 'init_cfg' in counter_cfg.get(
            'backbone', {}):
        # The checkpoint holds every weight: never fetch ImageNet ones.
        counter_cfg.backbone.init_cfg = None
    if tile is not None:
        size, overlap = (int(v) for v in tile)
        counter_cfg.setdefault('test_cfg', {})
        counter_cfg.test_cfg['tile'] = dict(size=size, overlap=overlap)
    if backend == 'onnxruntime':
        model = build_onnx_counter(checkpoint, counter_cfg, device)
        model.cfg = cfg
        return model.eval()
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        model = MODELS.build(cfg.model)
    model = revert_sync_batchnorm(model)
    if checkpoint is None:
        warnings.warn('init_counter: no checkpoint given, the model keeps '
                      'random weights')
    else:
        with safe_checkpoint_loading():
            load_checkpoint(model, checkpoint, map_location='cpu')
    model.cfg = cfg
    model.to(device)
    model.eval()
    return model


def _type_name(step: dict) -> str:
    kind = step['type']
    name = kind if isinstance(kind, str) else kind.__name__
    return name.split('.')[-1]


def build_image_pipelines(
        pipeline: Sequence[dict]) -> Tuple[Compose, Compose]:
    """``(for files, for arrays)``: a dataset pipeline config without
    annotation loading, starting with its file loader (``LoadCrowdImage``
    if it has none) or with ``LoadImageFromArray``."""
    steps = [
        s for s in copy.deepcopy(list(pipeline))
        if _type_name(s) not in ANNOTATION_LOADERS
    ]
    if steps and _type_name(steps[0]) in FILE_LOADERS:
        loader, steps = steps[0], steps[1:]
    else:
        loader = dict(type='LoadCrowdImage')
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        rest = [TRANSFORMS.build(s) for s in steps]
        from_file = Compose([TRANSFORMS.build(loader)] + rest)
        from_array = Compose(
            [TRANSFORMS.build(dict(type='LoadImageFromArray'))] + rest)
    return from_file, from_array


def build_test_pipelines(cfg: Config) -> Tuple[Compose, Compose]:
    """:func:`build_image_pipelines` of the config's test pipeline."""
    dataset = cfg.test_dataloader.dataset
    if 'pipeline' not in dataset and 'datasets' in dataset:
        dataset = dataset.datasets[0]  # a concatenation of datasets
    return build_image_pipelines(dataset.pipeline)


def load_image(image: ImageType, index: int, pipelines) -> dict:
    """One image through ``pipelines`` (from :func:`build_image_pipelines`):
    ``dict(inputs=(3, H, W) uint8 BGR tensor, data_samples=...)``."""
    from_file, from_array = pipelines
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3 or \
                image.dtype != np.uint8:
            raise ValueError(
                f'image {index}: expected an (H, W, 3) uint8 BGR array, '
                f'got {image.dtype} {image.shape}')
        return from_array(dict(img=image, img_id=index))
    path = str(image)
    if not osp.isfile(path):
        raise FileNotFoundError(f'Image file not found: {path!r}')
    return from_file(dict(img_path=path, img_id=index))


def prepare_image(model: nn.Module, image: ImageType,
                  pipelines) -> Tuple[torch.Tensor, CrowdDataSample,
                                      np.ndarray]:
    """Load one image (a file or an (H, W, 3) uint8 BGR array) through
    ``pipelines`` and the model's data preprocessor.

    Returns:
        tuple: ``inputs`` (1, 3, H_pad, W_pad) preprocessed; the
        ``CrowdDataSample`` (``img_shape``, ``scale_factor``, ...); the
        unpadded network-input image (H, W, 3) uint8 RGB.
    """
    if is_model_wrapper(model):
        model = model.module
    packed = load_image(image, 0, pipelines)
    rgb = packed['inputs'].permute(1, 2, 0).numpy()
    rgb = np.ascontiguousarray(rgb[..., ::-1])  # loaded as BGR
    data = model.data_preprocessor(
        dict(inputs=[packed['inputs']],
             data_samples=[packed['data_samples']]), False)
    return data['inputs'], data['data_samples'][0], rgb


def inference_counter(
        model: nn.Module,
        images: Union[ImageType, Sequence[ImageType]],
        batch_size: int = 1
) -> Union[CrowdDataSample, List[CrowdDataSample]]:
    """Count the people in one or several images.

    Args:
        model (nn.Module): from :func:`init_counter` (needs ``model.cfg``).
        images: an image file path or an (H, W, 3) uint8 BGR array, or a
            list / tuple of them.
        batch_size (int): images per forward pass; a batch is padded to
            its largest image.

    Returns:
        CrowdDataSample or list of them (a list for a list input), with
        ``pred_points`` (N, 2) float32 (x, y) in original-image pixels,
        ``pred_count`` (int) and ``pred_logits`` (1, h, w), on the
        model's device.

    Raises:
        FileNotFoundError / ValueError: a missing or undecodable image
            file (named) or a malformed array.
    """
    if not hasattr(model, 'cfg'):
        raise AttributeError('model has no .cfg: build it with init_counter')
    single = not isinstance(images, (list, tuple))
    images = [images] if single else list(images)
    pipelines = build_test_pipelines(model.cfg)
    results = []
    for start in range(0, len(images), batch_size):
        packed = [
            load_image(img, start + k, pipelines)
            for k, img in enumerate(images[start:start + batch_size])
        ]
        data = dict(inputs=[p['inputs'] for p in packed],
                    data_samples=[p['data_samples'] for p in packed])
        with torch.no_grad():
            results.extend(model.test_step(data))
    return results[0] if single else results
