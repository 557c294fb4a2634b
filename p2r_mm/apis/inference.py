"""Count people in images with a trained counter, outside the Runner.

The shape of MMDetection's ``init_detector`` / ``inference_detector``, as
thin wrappers of :class:`CrowdInferencer`: build the model from its config,
load a checkpoint, and run the config's test pipeline on files or
in-memory images. The image loading itself lives in
:mod:`.image_loading` (re-exported here).
"""
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import torch.nn as nn
from mmengine.config import Config

from p2r_mm.structures import CrowdDataSample
from p2r_mm.utils import UntrustedCheckpointError
from .crowd_inferencer import CrowdInferencer
# Re-exported: callers import them from here (tools and user code).
from .image_loading import (ImageType, build_image_pipelines,  # noqa: F401
                            build_test_pipelines, load_image, prepare_image)

#: What :func:`init_counter` raises for a problem with its input rather than
#: a bug, for tools to report in one line: a missing extra (onnxruntime), a
#: missing or bad config / checkpoint / .onnx, an unavailable device, a
#: checkpoint that needs trusting (``--trust-checkpoint``).
INIT_COUNTER_ERRORS = (ImportError, ValueError, OSError, RuntimeError,
                       UntrustedCheckpointError)


def init_counter(config: Union[str, Path, Config, None] = None,
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 cfg_options: Optional[dict] = None,
                 tile: Optional[Tuple[int, int]] = None,
                 backend: Optional[str] = None) -> nn.Module:
    """Build a counter from its config and load a checkpoint.

    Args:
        config (str | Path | Config, optional): config file or loaded
            config; or the name of a model shipped in the package
            (``'shb_cpu_demo'``), which comes with its weights. None: the
            default shipped model, so ``init_counter()`` counts people with
            nothing downloaded.
        checkpoint (str, optional): weights to load; without one a config's
            model keeps its random initialisation (a warning says so).
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
    if config is not None and not isinstance(config, (str, Path, Config)):
        raise TypeError('config must be a file name or a Config, got '
                        f'{type(config).__name__}')
    return CrowdInferencer(config, checkpoint, device=device,
                           show_progress=False, cfg_options=cfg_options,
                           tile=tile, backend=backend).model


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
    single = not isinstance(images, (list, tuple))
    inferencer = CrowdInferencer(model, show_progress=False)
    samples = inferencer(
        [images] if single else list(images), batch_size=batch_size,
        return_datasamples=True)['predictions']
    return samples[0] if single else samples
