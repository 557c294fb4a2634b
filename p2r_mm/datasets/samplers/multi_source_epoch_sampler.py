"""MMDetection's multi-source sampler with a finite epoch."""
import itertools
import math
from typing import Iterator, List, Optional, Sequence, Sized, Union

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

    The official P2R loader, replayed by ``replacement=[True, False]`` and
    ``partial_last_batch=True``: each item pairs one labelled crop drawn at
    random (``random.choice``, with replacement) with the next unlabelled
    crop of a shuffled pass, and the last batch of an epoch holds what is
    left of the pass (300 SHA images in batches of 16: 18 batches of 16 +
    16 and one of 12 + 12).

    ``set_epoch`` (called by MMEngine's ``DistSamplerSeedHook``) reseeds
    every source's stream with ``seed + epoch``, so the order of an epoch
    depends only on the epoch: a run resumed at epoch e sees the batches
    the uninterrupted run would have seen, and ``EpochBasedTrainLoop`` and
    epoch-based schedules work as usual.

    Args:
        dataset (ConcatDataset): the sources.
        batch_size (int): samples per full batch on this rank (the
            dataloader's ``batch_size`` must be the same).
        source_ratio (list[int | float]): share of each source in a batch.
        epoch_source (int): index of the source that defines an epoch.
        shuffle (bool): shuffle each source.
        seed (int, optional): random seed (synchronised across ranks when
            None).
        replacement (bool | Sequence[bool]): draw a source's samples
            independently and uniformly, with replacement, instead of in
            shuffled passes; one flag for all sources or one per source.
        partial_last_batch (bool): end the epoch with a smaller batch
            holding the rest of the ``epoch_source`` pass (and the other
            sources in proportion) instead of a full batch that takes the
            first samples of the next pass.
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int,
                 source_ratio: List[Union[int, float]],
                 epoch_source: int = -1,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 replacement: Union[bool, Sequence[bool]] = False,
                 partial_last_batch: bool = False) -> None:
        self.epoch = 0
        n_sources = len(dataset.datasets)
        if isinstance(replacement, bool):
            replacement = [replacement] * n_sources
        if len(replacement) != n_sources:
            raise ValueError(f'replacement has {len(replacement)} flags for '
                             f'{n_sources} sources')
        self.replacement = [bool(r) for r in replacement]
        super().__init__(dataset, batch_size, source_ratio, shuffle, seed)
        self.epoch_source = epoch_source % n_sources
        per_batch = self.num_per_source[self.epoch_source]
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
        self.batch_sizes = [list(self.num_per_source)] * self.iters_per_epoch
        rest = per_rank - (self.iters_per_epoch - 1) * per_batch
        if partial_last_batch and rest < per_batch:
            self.batch_sizes[-1] = [
                rest if s == self.epoch_source else
                math.ceil(n * rest / per_batch)
                for s, n in enumerate(self.num_per_source)]
        self.set_epoch(0)

    def _source_indices(self, source: int, sample_size: int) -> Iterator[int]:
        # mmdet's stream, seeded per epoch (mmdet's ignores set_epoch).
        g = torch.Generator()
        g.manual_seed(self.seed + self.epoch)
        while True:
            if self.replacement[source]:
                yield from torch.randint(sample_size, (sample_size, ),
                                         generator=g).tolist()
            elif self.shuffle:
                yield from torch.randperm(sample_size, generator=g).tolist()
            else:
                yield from range(sample_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.source2inds = {
            source: itertools.islice(
                self._source_indices(source, len(ds)), self.rank, None,
                self.world_size)
            for source, ds in enumerate(self.dataset.datasets)
        }

    def __iter__(self) -> Iterator[int]:
        for sizes in self.batch_sizes:
            for source, num in enumerate(sizes):
                offset = self.cumulative_sizes[source]
                for idx in itertools.islice(self.source2inds[source], num):
                    yield idx + offset

    def __len__(self) -> int:
        return sum(map(sum, self.batch_sizes))
