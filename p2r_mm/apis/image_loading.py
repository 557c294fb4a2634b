"""A config's test pipeline on an image file or an in-memory image,
outside a dataset: what inference and PSAM need before the network. The
loading itself is :mod:`p2r_mm.datasets.image_inputs` (the PSAM hook of
``engine`` uses it too); this module adds the config's choice of
pipeline."""
from typing import Tuple

from mmengine.config import Config
from mmengine.dataset import Compose

# Re-exported: the API's callers import them from here.
from p2r_mm.datasets.image_inputs import (ImageType,  # noqa: F401
                                          build_image_pipelines, load_image,
                                          prepare_image)


def build_test_pipelines(cfg: Config) -> Tuple[Compose, Compose]:
    """``(for files, for arrays)``: :func:`build_image_pipelines` of the
    config's test pipeline (of its first dataset when it concatenates
    several)."""
    dataset = cfg.test_dataloader.dataset
    if 'pipeline' not in dataset and 'datasets' in dataset:
        dataset = dataset.datasets[0]
    return build_image_pipelines(dataset.pipeline)
