"""Pack a pipeline's results into the model's ``inputs`` / ``data_samples``.

Like mmdet's PackDetInputs, for points instead of boxes.
"""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from p2r_mm.registry import TRANSFORMS
from p2r_mm.structures.crowd_data_sample import CrowdDataSample
from .point_geometry import has_points

DEFAULT_META_KEYS = ('img_path', 'img_id', 'ori_shape', 'img_shape',
                     'scale_factor', 'flip', 'flip_direction', 'pad_shape',
                     'crop_box', 'labeled', 'has_gt', 'cutout_box')


@TRANSFORMS.register_module()
class PackCrowdInputs(BaseTransform):
    """Make the ``dict(inputs=..., data_samples=...)`` of one image.

    Required keys: ``img`` (H, W, C) or (H, W). Optional: ``gt_points``
    (N, 2), ``gt_head_sizes`` (N, 2), ``has_gt``, and the ``meta_keys``.

    Returns:
        dict: ``inputs``, a (C, H, W) tensor of the image's dtype (uint8
        BGR as loaded; the data preprocessor converts and normalises), and
        ``data_samples``, a :class:`CrowdDataSample` with ``gt_points``
        float32 (N, 2), ``gt_count`` (N, int), ``gt_head_sizes`` float32
        (N, 2) where present, and as metainfo those ``meta_keys`` that are
        in the results. An image without points to move (no ``gt_points``,
        or ``has_gt=False``) gets no gt fields, so "unknown" is never
        confused with "zero people".

    Args:
        meta_keys (Sequence[str]): results keys copied to the metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = img[..., None]
        inputs = torch.from_numpy(
            np.ascontiguousarray(img.transpose(2, 0, 1)))

        sample = CrowdDataSample()
        if has_points(results):
            points = np.asarray(results['gt_points'], dtype=np.float32)
            sample.gt_points = torch.from_numpy(points.reshape(-1, 2).copy())
            sample.gt_count = len(points)
            if 'gt_head_sizes' in results:
                sizes = np.asarray(results['gt_head_sizes'], np.float32)
                sample.gt_head_sizes = torch.from_numpy(
                    sizes.reshape(-1, 2).copy())
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
