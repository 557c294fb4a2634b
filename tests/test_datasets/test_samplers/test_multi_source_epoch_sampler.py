import pytest
from torch.utils.data import ConcatDataset, DataLoader, Dataset

from p2r_mm.datasets.samplers import MultiSourceEpochSampler


class Source(Dataset):

    def __init__(self, name, n):
        self.name, self.n = name, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return (self.name, i)


def concat(n_labeled, n_unlabeled):
    return ConcatDataset([Source('L', n_labeled), Source('U', n_unlabeled)])


def batches(sampler, dataset, batch_size):
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler,
                        collate_fn=lambda b: b)
    return list(loader)


def test_every_batch_holds_the_ratio_and_an_epoch_covers_the_unlabelled():
    dataset = concat(3, 21)
    sampler = MultiSourceEpochSampler(dataset, batch_size=4,
                                      source_ratio=[1, 1], seed=0)
    epoch = batches(sampler, dataset, 4)
    assert len(epoch) == sampler.iters_per_epoch == 11  # ceil(21 / 2)
    for batch in epoch:
        assert [name for name, _ in batch] == ['L', 'L', 'U', 'U']
    unlabeled = [i for batch in epoch for name, i in batch if name == 'U']
    assert set(unlabeled) == set(range(21))  # one pass (+1 wrapped)
    labeled = [i for batch in epoch for name, i in batch if name == 'L']
    assert set(labeled) == {0, 1, 2}  # the small set cycles


def test_epochs_differ_and_depend_only_on_the_epoch():
    dataset = concat(3, 8)
    sampler = MultiSourceEpochSampler(dataset, batch_size=4,
                                      source_ratio=[1, 3], seed=1)
    sampler.set_epoch(0)
    first = batches(sampler, dataset, 4)
    sampler.set_epoch(1)
    second = batches(sampler, dataset, 4)
    assert len(first) == len(second) == 3  # ceil(8 / 3)
    assert all([n for n, _ in b] == ['L', 'U', 'U', 'U'] for b in second)
    assert first != second
    # A resumed run: a new sampler set to epoch 1 replays epoch 1 exactly.
    resumed = MultiSourceEpochSampler(dataset, batch_size=4,
                                      source_ratio=[1, 3], seed=1)
    resumed.set_epoch(1)
    assert batches(resumed, dataset, 4) == second


def test_bad_configurations():
    with pytest.raises(ValueError, match='no sample'):
        MultiSourceEpochSampler(concat(3, 8), batch_size=1,
                                source_ratio=[1, 1], seed=0)
    with pytest.raises(ValueError, match='empty'):
        MultiSourceEpochSampler(concat(0, 8), batch_size=4,
                                source_ratio=[1, 1], seed=0)


def test_the_official_loader_labelled_with_replacement_partial_last_batch():
    # SHA 5 %: 15 labelled, 300 unlabelled (every train image), 16 + 16.
    dataset = concat(15, 300)
    sampler = MultiSourceEpochSampler(
        dataset, batch_size=32, source_ratio=[1, 1], seed=2024,
        replacement=[True, False], partial_last_batch=True)
    epoch = batches(sampler, dataset, 32)
    assert len(epoch) == sampler.iters_per_epoch == 19
    sizes = [(sum(n == 'L' for n, _ in b), sum(n == 'U' for n, _ in b))
             for b in epoch]
    assert sizes == [(16, 16)] * 18 + [(12, 12)]
    unlabeled = [i for b in epoch for n, i in b if n == 'U']
    assert sorted(unlabeled) == list(range(300))  # exactly one pass
    # Labelled crops are independent draws: some batch repeats an image
    # (a pass without replacement would hold 15 distinct + 1 in each).
    labeled = [[i for n, i in b if n == 'L'] for b in epoch[:18]]
    assert any(len(set(b)) < 15 for b in labeled)
    assert all(0 <= i < 15 for b in labeled for i in b)
    # Still a function of the epoch alone.
    sampler.set_epoch(3)
    again = MultiSourceEpochSampler(
        dataset, batch_size=32, source_ratio=[1, 1], seed=2024,
        replacement=[True, False], partial_last_batch=True)
    again.set_epoch(3)
    assert batches(sampler, dataset, 32) == batches(again, dataset, 32)


def test_two_ranks_share_the_pass(monkeypatch):
    import mmdet.datasets.samplers.multi_source_sampler as mmdet_sampler
    dataset = concat(3, 21)
    parts = []
    for rank in (0, 1):
        monkeypatch.setattr(mmdet_sampler, 'get_dist_info',
                            lambda rank=rank: (rank, 2))
        sampler = MultiSourceEpochSampler(
            dataset, batch_size=4, source_ratio=[1, 1], seed=0,
            partial_last_batch=True)
        assert (sampler.rank, sampler.world_size) == (rank, 2)
        parts.append(batches(sampler, dataset, 4))
    # ceil(21 / 2) = 11 per rank -> 6 batches, the last with 1 + 1.
    for epoch in parts:
        assert len(epoch) == 6 and len(epoch[-1]) == 2
    unlabeled = [i for epoch in parts for b in epoch for n, i in b
                 if n == 'U']
    assert set(unlabeled) == set(range(21)) and len(unlabeled) == 22


def test_replacement_flags_must_match_the_sources():
    with pytest.raises(ValueError, match='replacement'):
        MultiSourceEpochSampler(concat(3, 8), batch_size=4,
                                source_ratio=[1, 1], seed=0,
                                replacement=[True])
