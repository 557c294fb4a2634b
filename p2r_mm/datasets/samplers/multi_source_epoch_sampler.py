"""MMDetection's multi-source sampler with a finite epoch."""
import itertools
import math
from typing import Iterator, List, Optional, Sized, Union

from mmdet.datasets.samplers import MultiSourceSampler

from p2r_mm.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class MultiSourceEpochSampler(MultiSourceSampler):
    """Batches with a fixed number of samples from each source of a
    ``ConcatDataset`` (e.g. ``[labelled, unlabelled]`` with
    ``source_ratio=[1, 1]``), as ``mmdet.MultiSourceSampler``, but with an
    end: an epoch is one pass over the ``epoch_source`` dataset (by default
    the last one, the unlabelled set), as in the P2R paper's code. The
    other sources cycle (the labelled set is small and seen many times).

    The sources' shuffled index streams continue from one epoch to the
    next, so ``EpochBasedTrainLoop``, epoch-based schedules and
    ``--resume`` work as usual.

    Args:
        dataset (ConcatDataset): the sources.
        batch_size (int): samples per batch on this rank.
        source_ratio (list[int | float]): share of each source in a batch.
        epoch_source (int): index of the source that defines an epoch.
        shuffle (bool): shuffle each source.
        seed (int, optional): random seed (synchronised across ranks when
            None).
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int,
                 source_ratio: List[Union[int, float]],
                 epoch_source: int = -1,
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        super().__init__(dataset, batch_size, source_ratio, shuffle, seed)
        per_batch = self.num_per_source[epoch_source]
        if per_batch < 1:
            raise ValueError(
                f'source {epoch_source} gets no sample in a batch of '
                f'{batch_size} with source_ratio {source_ratio}')
        for source, ds in enumerate(dataset.datasets):
            if len(ds) == 0:
                raise ValueError(f'source {source} of the sampler is empty')
        per_rank = math.ceil(
            len(dataset.datasets[epoch_source]) / self.world_size)
        self.iters_per_epoch = math.ceil(per_rank / per_batch)

    def __iter__(self) -> Iterator[int]:
        return itertools.islice(super().__iter__(), len(self))

    def __len__(self) -> int:
        return self.iters_per_epoch * self.batch_size
