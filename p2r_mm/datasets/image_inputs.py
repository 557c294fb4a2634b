"""Images outside a dataset (files or arrays) through a dataset's pipeline
and a model's data preprocessor: what inference and the PSAM hook feed a
network that they call themselves."""
import copy
import os.path as osp
from pathlib import Path
from typing import Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import Compose
from mmengine.model import is_model_wrapper
from mmengine.registry import DefaultScope

from p2r_mm.registry import TRANSFORMS
from p2r_mm.structures import CrowdDataSample

ImageType = Union[str, Path, np.ndarray]
# Steps of a dataset pipeline that read a file / need annotations; the
# first is swapped for an in-memory loader, the second dropped.
FILE_LOADERS = ('LoadCrowdImage', 'LoadImageFromFile')
ANNOTATION_LOADERS = ('LoadCrowdAnnotations', )


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


def load_image(image: ImageType, index: int, pipelines) -> dict:
    """One image through ``pipelines`` (from :func:`build_image_pipelines`):
    ``dict(inputs=(3, H, W) uint8 BGR tensor, data_samples=...)``.

    Raises:
        FileNotFoundError: no such image file (named).
        ValueError: an array that is not (H, W, 3) uint8.
    """
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
