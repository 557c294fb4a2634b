"""PSAMs of a loaded counter on one image file or array: the image
preparation of :func:`inference_counter` followed by
:func:`p2r_mm.visualization.compute_psam` and
:func:`p2r_mm.visualization.psam_spread` (what ``tools/analysis_tools/
psam.py`` and ``psam_spreads.py`` share)."""
from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from p2r_mm.visualization import (PSAMResult, compute_psam,
                                  model_radius_range, predicted_points,
                                  psam_spread)
from .image_loading import ImageType, build_test_pipelines, prepare_image


class ImagePSAM(NamedTuple):
    """PSAMs of K query cells of one image.

    Attributes:
        result: the maps, query cells and points (network-input pixels).
        spread: ``radius``, ``mass_within`` and ``effective_area``
            (pixels), each (K,) float (see ``psam_spread``).
        predicted: heads the model predicts on the image (logit > 0).
        scale_factor: (w_scale, h_scale), original image to network input.
        image: (H, W, 3) uint8 RGB, the unpadded network input.
    """
    result: PSAMResult
    spread: Dict[str, Tensor]
    predicted: int
    scale_factor: Tuple[float, float]
    image: np.ndarray


def inference_psam(model: nn.Module,
                   image: ImageType,
                   top_k: Optional[int] = None,
                   points: Optional[Tensor] = None,
                   layer: str = 'neck',
                   chunk_size: int = 16,
                   radius: Optional[float] = None,
                   pipelines=None) -> ImagePSAM:
    """PSAMs of ``model`` (from :func:`init_counter`, PyTorch backend) on
    one image, for the ``top_k`` cells of highest logit or for ``points``.

    Args:
        image: a file or an (H, W, 3) uint8 BGR array.
        top_k (int, optional): query the k cells of highest logit.
        points (Tensor, optional): (K, 2) (x, y) query points in pixels of
            the original image (mapped to the network input as the test
            pipeline's resize maps pixel centres). Give one of the two.
        layer (str): module whose output is F (see ``compute_psam``).
        chunk_size (int): queries per backward pass.
        radius (float, optional): mass_within radius in network-input
            pixels; by default each query's P2R radius among the predicted
            points, within the model's P2R radius range.
        pipelines: :func:`build_test_pipelines` of ``model.cfg`` (built
            when not given; pass them to reuse over many images).
    """
    if (top_k is None) == (points is None):
        raise ValueError('give exactly one of top_k or points')
    if pipelines is None:
        pipelines = build_test_pipelines(model.cfg)
    inputs, sample, rgb = prepare_image(model, image, pipelines)
    img_shape = sample.metainfo['img_shape'][:2]
    scale = tuple(float(s) for s in sample.metainfo.get(
        'scale_factor', (1.0, 1.0)))
    query = dict(top_k=top_k)
    if points is not None:
        # Original pixels -> network-input pixels (how cv2 resizes).
        query = dict(points=(points.float() + 0.5) *
                     torch.tensor(scale, device=points.device) - 0.5)
    result = compute_psam(model, inputs, layer=layer, chunk_size=chunk_size,
                          img_shape=img_shape, **query)
    spread = psam_spread(result, radius=radius, **model_radius_range(model))
    return ImagePSAM(result=result, spread=spread,
                     predicted=len(predicted_points(result)),
                     scale_factor=scale, image=rgb)
