"""MMDetection's multi-source sampler with a finite epoch."""
import itertools
import math
from typing import Iterator, List, Optional, Sized, Union

import torch
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

    ``set_epoch`` (called by MMEngine's ``DistSamplerSeedHook``) reseeds
    every source's shuffle with ``seed + epoch``, so the order of an epoch
    depends only on the epoch: a run resumed at epoch e sees the batches
    the uninterrupted run would have seen, and ``EpochBasedTrainLoop`` and
    epoch-based schedules work as usual.

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
        self.epoch = 0
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

    def _infinite_indices(self, sample_size: int) -> Iterator[int]:
        # mmdet's stream, seeded per epoch (mmdet's ignores set_epoch).
        g = torch.Generator()
        g.manual_seed(self.seed + self.epoch)
        while True:
            if self.shuffle:
                yield from torch.randperm(sample_size, generator=g).tolist()
            else:
                yield from range(sample_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.source2inds = {
            source: self._indices_of_rank(len(ds))
            for source, ds in enumerate(self.dataset.datasets)
        }

    def __iter__(self) -> Iterator[int]:
        return itertools.islice(super().__iter__(), len(self))

    def __len__(self) -> int:
        return self.iters_per_epoch * self.batch_size
