from types import SimpleNamespace

import pytest
from mmengine.dataset import pseudo_collate
from mmengine.structures import BaseDataElement

from p2r_mm.datasets.sample_replacement import mark_replaced
from p2r_mm.engine.hooks import BadSampleLimitHook, TooManyBadSamplesError


class Logger:

    def __init__(self):
        self.warnings, self.errors = [], []

    def warning(self, message):
        self.warnings.append(message)

    def error(self, message):
        self.errors.append(message)


def fake_runner(iters_per_epoch=10, batch_size=4):
    loader = type('Loader', (), dict(batch_size=batch_size,
                                     __len__=lambda self: iters_per_epoch))()
    return SimpleNamespace(train_dataloader=loader, iter=0, epoch=0,
                           logger=Logger())


def batch(*failed_files, size=4):
    items = [dict(inputs=k, data_samples=BaseDataElement())
             for k in range(size)]
    for item, path in zip(items, failed_files):
        mark_replaced(item, [(path, 'DamagedImageError: cut short')])
    return pseudo_collate(items)


def step(hook, runner, data):
    hook.before_train_iter(runner, runner.iter % 10, data)
    runner.iter += 1


def test_replacements_are_warned_with_a_running_count():
    hook, runner = BadSampleLimitHook(max_fraction=0.05), fake_runner()
    step(hook, runner, batch())
    assert runner.logger.warnings == []
    step(hook, runner, batch('a.jpg'))
    step(hook, runner, batch('b.jpg'))
    first, second = runner.logger.warnings
    assert first.startswith('Iteration 2: 1 training samples could not')
    assert 'a.jpg (DamagedImageError: cut short)' in first
    assert '1 replaced in this epoch of 40 samples, from 1 files' in first
    assert '2 replaced in this epoch of 40 samples, from 2 files' in second


def test_above_the_fraction_the_run_stops_with_the_files():
    # 40 samples per epoch, 5 %: the third failure is one too many.
    hook, runner = BadSampleLimitHook(max_fraction=0.05), fake_runner()
    step(hook, runner, batch('a.jpg', 'b.jpg'))
    with pytest.raises(TooManyBadSamplesError) as err:
        step(hook, runner, batch('a.jpg'))
    message = str(err.value)
    assert message.startswith('Epoch 1, iteration 2: 3 of this epoch\'s 40')
    assert 'a.jpg (2x: DamagedImageError: cut short)' in message
    assert 'b.jpg (1x' in message
    assert message.endswith('Fix or replace these files and resume with '
                            '--resume.')
    assert runner.logger.errors == [message]


def test_one_bad_file_never_stops_the_run():
    # A small labelled set is drawn many times per epoch.
    hook, runner = BadSampleLimitHook(max_fraction=0.05), fake_runner()
    for _ in range(10):
        step(hook, runner, batch('a.jpg', 'a.jpg'))
    assert len(runner.logger.warnings) == 10


def test_counts_start_again_every_epoch():
    hook, runner = BadSampleLimitHook(max_fraction=0.05), fake_runner()
    for epoch in range(3):
        runner.iter = epoch * 10
        step(hook, runner, batch('a.jpg', 'b.jpg'))
    assert len(runner.logger.warnings) == 3
    assert all('2 replaced in this epoch' in w
               for w in runner.logger.warnings)


def test_argument_check():
    with pytest.raises(ValueError, match='max_fraction'):
        BadSampleLimitHook(max_fraction=0)
