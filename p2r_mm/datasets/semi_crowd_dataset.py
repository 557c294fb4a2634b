"""A crowd dataset split into its labelled and unlabelled parts, as the two
sources of a ``ConcatDataset`` for semi-supervised training."""
import copy
from typing import Optional

from mmengine.dataset import ConcatDataset

from p2r_mm.registry import DATASETS


@DATASETS.register_module()
class SemiCrowdDataset(ConcatDataset):
    """``ConcatDataset([labelled, unlabelled])`` built from one dataset
    config, so a protocol config only names its split list.

    Source 0 is ``dataset`` with ``subset='labeled'`` and
    ``labeled_pipeline``; source 1 the same with ``subset=unlabeled_subset``
    and ``unlabeled_pipeline``. Being a ``ConcatDataset`` (``datasets``,
    ``cumulative_sizes``), it feeds ``MultiSourceEpochSampler`` or
    MMDetection's multi-source samplers unchanged.

    Args:
        dataset (dict): config of a crowd dataset (e.g.
            ``ShanghaiTechDataset``), without ``subset`` and ``pipeline``.
        labeled_split (str, optional): the labelled list (e.g.
            ``'sha-5.txt'``), passed to both parts.
        labeled_ratio (float, optional): or a labelled fraction (custom
            data), passed to both parts.
        labeled_pipeline (list[dict]): pipeline of labelled images.
        unlabeled_pipeline (list[dict]): pipeline of unlabelled images.
        unlabeled_subset (str): which images feed the unlabelled branch:
            ``'unlabeled'`` (default: the images outside the labelled
            list) or ``'all'`` (every training image, the labelled ones
            included, as the official P2R code does; their annotations
            are not read by an unlabelled pipeline).
    """

    def __init__(self,
                 dataset: dict,
                 labeled_pipeline: list,
                 unlabeled_pipeline: list,
                 labeled_split: Optional[str] = None,
                 labeled_ratio: Optional[float] = None,
                 unlabeled_subset: str = 'unlabeled',
                 lazy_init: bool = False) -> None:
        if labeled_split is None and labeled_ratio is None:
            raise ValueError('SemiCrowdDataset needs labeled_split or '
                             'labeled_ratio: which images are labelled?')
        if unlabeled_subset not in ('unlabeled', 'all'):
            raise ValueError("SemiCrowdDataset: unlabeled_subset must be "
                             f"'unlabeled' or 'all', got {unlabeled_subset!r}")
        parts = []
        for subset, pipeline in (('labeled', labeled_pipeline),
                                 (unlabeled_subset, unlabeled_pipeline)):
            cfg = copy.deepcopy(dict(dataset))
            cfg.update(subset=subset, pipeline=pipeline)
            if labeled_split is not None:
                cfg['labeled_split'] = labeled_split
            if labeled_ratio is not None:
                cfg['labeled_ratio'] = labeled_ratio
            parts.append(DATASETS.build(cfg))
        super().__init__(datasets=parts, lazy_init=lazy_init)
