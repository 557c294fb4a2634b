"""Normalise, pad to a multiple of 32 and stack a batch of crowd images."""
from typing import Optional, Sequence

from mmengine.model import ImgDataPreprocessor

from p2r_mm.registry import MODELS

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class CountingDataPreprocessor(ImgDataPreprocessor):
    """MMEngine's ``ImgDataPreprocessor`` (BGR -> RGB, ImageNet mean/std,
    pad at the right/bottom to ``pad_size_divisor``, stack), which also
    records ``batch_input_shape`` and ``pad_shape`` in every data sample so
    that predictions and losses know which cells are padding.

    Padding at the right/bottom keeps point coordinates unchanged.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = IMAGENET_MEAN,
                 std: Optional[Sequence[float]] = IMAGENET_STD,
                 pad_size_divisor: int = 32,
                 pad_value: float = 0,
                 bgr_to_rgb: bool = True,
                 non_blocking: bool = False) -> None:
        super().__init__(
            mean=mean,
            std=std,
            pad_size_divisor=pad_size_divisor,
            pad_value=pad_value,
            bgr_to_rgb=bgr_to_rgb,
            non_blocking=non_blocking)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = super().forward(data, training)
        samples = data.get('data_samples')
        if samples is not None:
            batch_shape = tuple(data['inputs'].shape[-2:])
            for sample in samples:
                sample.set_metainfo(
                    dict(batch_input_shape=batch_shape,
                         pad_shape=batch_shape))
        return data
