"""NonFiniteGuardHook on a tiny in-process Runner: a NaN loss is not
stepped on, a streak of them stops the run, non-finite weights are never
saved, and AMP's own overflow skipping keeps working."""
import logging
import math
import uuid
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from p2r_mm.engine.hooks import (NonFiniteGuardHook, NonFiniteLossError,
                                 NonFiniteParametersError)


class PoisonableRegressor(BaseModel):
    """Two logged loss terms; ``loss_poison`` is NaN for poisoned batches."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, targets, poison=None, mode='tensor'):
        out = self.linear(inputs).squeeze(1)
        if mode == 'loss':
            hit = poison is not None and bool(poison.any())
            return dict(
                loss_fit=((out - targets)**2).mean(),
                loss_poison=out.sum() * (math.nan if hit else 0.0))
        return [dict(pred=o) for o in out]


class Line(Dataset):
    """8 samples (4 batches of 2 per epoch); ``poisoned`` iterations
    (1-based, counted over the run) get a NaN term."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def __len__(self):
        return 8

    def __getitem__(self, i):
        x = torch.tensor([i / 8.0, 1.0 - i / 8.0])
        return dict(inputs=x, targets=self.scale * (3 * x[0] - x[1]))


class Poison(Hook):
    """Marks the batches of the given 1-based iterations as poisoned."""

    priority = 'HIGHEST'

    def __init__(self, iterations):
        self.iterations = set(iterations)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        hit = runner.iter + 1 in self.iterations
        data_batch['poison'] = torch.full((len(data_batch['targets']), ),
                                          hit)


class Record(Hook):
    """The weights around each iteration, and what was logged."""

    def __init__(self):
        self.before, self.after = {}, {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.before[runner.iter + 1] = _weights(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.after[runner.iter + 1] = _weights(runner)


def _weights(runner):
    return torch.cat([p.detach().flatten().clone()
                      for p in runner.model.parameters()])


def make_runner(work_dir, hooks, max_epochs=2, guard=None, scale=1.0,
                optim_wrapper=None, metric=None, interval=1):
    """2 epochs of 4 iterations by default, a checkpoint every epoch, and
    validation with ``metric`` (its ``score`` is the best-checkpoint key)
    if given."""
    extra = {}
    if metric is not None:
        extra = dict(val_dataloader=loader(scale), val_cfg=dict(),
                     val_evaluator=Evaluator([metric]))
    return Runner(
        model=PoisonableRegressor(),
        work_dir=str(work_dir),
        experiment_name=f'guard-{uuid.uuid4().hex}',
        train_dataloader=loader(scale),
        optim_wrapper=optim_wrapper or dict(
            optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs,
                       val_interval=1),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='AtomicCheckpointHook', interval=interval,
                            save_best='score' if metric is not None else None,
                            rule='greater'),
            non_finite_guard=guard or dict(type='NonFiniteGuardHook')),
        custom_hooks=list(hooks),
        randomness=dict(seed=0),
        default_scope='p2r_mm',
        **extra)


def loader(scale):
    return dict(dataset=Line(scale),
                sampler=dict(type='DefaultSampler', shuffle=False),
                collate_fn=dict(type='default_collate'), batch_size=2,
                num_workers=0)


def captured_warnings(runner):
    """The WARNING+ messages of the runner's logger, from now on."""
    messages = []

    class Collect(logging.Handler):

        def emit(self, record):
            messages.append(record.getMessage())

    runner.logger.addHandler(Collect(level=logging.WARNING))
    return messages


class FixedScore(BaseMetric):
    """A validation metric with a given value."""

    def __init__(self, value=1.0):
        super().__init__()
        self.value = value

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        return dict(score=self.value)


def test_a_non_finite_step_is_skipped_named_and_kept_out_of_the_log(
        tmp_path):
    record = Record()
    runner = make_runner(tmp_path, [Poison([2, 3, 6]), record])
    warnings = captured_warnings(runner)
    runner.train()  # 2 in a row at most: below the default of 3
    for it in (2, 3, 6):
        assert torch.equal(record.before[it], record.after[it]), it
    for it in (1, 4, 5, 7, 8):
        assert not torch.equal(record.before[it], record.after[it]), it
    skipped = [m for m in warnings if 'non-finite loss' in m]
    assert len(skipped) == 3
    assert skipped[0].startswith('Iteration 2 (epoch 1)')
    assert 'loss=nan' in skipped[0] and 'loss_poison=nan' in skipped[0]
    assert 'loss_fit' not in skipped[0]  # it was finite
    assert '2 in a row, 2 in this run' in skipped[1]
    assert '1 in a row, 3 in this run' in skipped[2]
    history = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(history) == 5 and all(math.isfinite(v) for v in history)


def test_consecutive_non_finite_losses_stop_with_the_last_checkpoint(
        tmp_path):
    runner = make_runner(tmp_path, [Poison(range(6, 100))], max_epochs=4,
                         guard=dict(type='NonFiniteGuardHook',
                                    max_consecutive=2))
    errors = captured_warnings(runner)
    with pytest.raises(NonFiniteLossError) as err:
        runner.train()
    message = str(err.value)
    assert message.startswith('Iteration 7 (epoch 2)')
    assert '2 consecutive iterations' in message
    assert 'loss, loss_poison' in message
    assert 'weights are those of iteration 5' in message
    assert f'Last good checkpoint: {tmp_path / "epoch_1.pth"}' in message
    assert message in errors  # logged too
    assert not (tmp_path / 'epoch_2.pth').exists()


def test_no_checkpoint_yet_is_said(tmp_path):
    runner = make_runner(tmp_path, [Poison(range(1, 100))])
    with pytest.raises(NonFiniteLossError, match='No checkpoint has been '
                       'saved'):
        runner.train()


class BreakWeights(Hook):
    """Makes the weights NaN after the given 1-based iteration (as a
    finite loss with an overflowing gradient would)."""

    def __init__(self, iteration):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iteration:
            with torch.no_grad():
                runner.model.linear.weight.fill_(math.nan)


def test_non_finite_weights_are_never_saved(tmp_path):
    runner = make_runner(tmp_path, [BreakWeights(6)], max_epochs=3)
    with pytest.raises(NonFiniteParametersError) as err:
        runner.train()
    assert 'refusing to save a checkpoint' in str(err.value)
    assert 'linear.weight' in str(err.value)
    assert 'linear.bias' not in str(err.value)
    assert str(tmp_path / 'epoch_1.pth') in str(err.value)
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['epoch_1.pth']


def test_a_model_gone_non_finite_is_never_best(tmp_path):
    # Its metric can look fine (a NaN counter predicts 0 heads: MAE is the
    # mean count); what is refused is writing its weights.
    # No epoch checkpoint before validation: the best one is the first save.
    runner = make_runner(tmp_path, [BreakWeights(4)], metric=FixedScore(1.0),
                         interval=9)
    with pytest.raises(NonFiniteParametersError):
        runner.train()
    assert runner.message_hub.get_info('best_score') == 1.0  # it was chosen
    assert not list(tmp_path.glob('*.pth'))  # but not written


def test_guard_arguments():
    with pytest.raises(ValueError, match='max_consecutive'):
        NonFiniteGuardHook(max_consecutive=0)


class CpuLossScaler(Hook):
    """AMP's GradScaler on the CPU (MMEngine builds the CUDA one): the
    scaling and the inf-skipping logic are the same on every device."""

    priority = 'VERY_HIGH'

    def __init__(self, init_scale):
        self.init_scale = init_scale
        self.scales = []

    def before_train(self, runner):
        runner.optim_wrapper.loss_scaler = torch.amp.GradScaler(
            'cpu', init_scale=self.init_scale, growth_interval=10000)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.scales.append(runner.optim_wrapper.loss_scaler.get_scale())


def test_amp_gradient_overflows_do_not_trip_the_guard(tmp_path, monkeypatch):
    from mmengine.optim.optimizer import amp_optimizer_wrapper
    monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available',
                        lambda: True)
    # Losses of ~1e4 scaled by 2**122 overflow: the first steps' gradients
    # are inf until the scaler has halved its scale a few times.
    scaler = CpuLossScaler(init_scale=2.0**122)
    record = Record()
    # max_consecutive=1: a single step the guard skipped would stop the run.
    runner = make_runner(
        tmp_path, [scaler, record], max_epochs=3, scale=100.0,
        guard=dict(type='NonFiniteGuardHook', max_consecutive=1),
        optim_wrapper=dict(type='AmpOptimWrapper', dtype='bfloat16',
                           optimizer=dict(type='SGD', lr=1e-4)))
    warnings = captured_warnings(runner)
    runner.train()
    unchanged = [it for it in sorted(record.after)
                 if torch.equal(record.before[it], record.after[it])]
    assert len(unchanged) >= 2, 'overflowing steps were skipped by AMP'
    assert scaler.scales[-1] <= 2.0**122 / 4  # the scaler backed off
    assert not [m for m in warnings if 'non-finite' in m]
    # and training went on after the overflows
    assert max(unchanged) < 9
    assert all(not torch.equal(record.before[it], record.after[it])
               for it in range(9, 13))


def _ddp_rank(rank, init_file, results):
    import torch.distributed as dist
    from mmengine.optim import OptimWrapper
    from torch.nn.parallel import DistributedDataParallel
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=2)
    torch.manual_seed(0)
    model = DistributedDataParallel(nn.Linear(2, 1))
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    guard = NonFiniteGuardHook()
    guard.before_train(SimpleNamespace(optim_wrapper=wrapper))
    history = []
    for step in range(3):
        x = torch.full((4, 2), float(rank + step + 1))
        loss = model(x).pow(2).mean()
        if step == 1 and rank == 0:
            loss = loss * math.nan  # only rank 0's loss goes bad
        wrapper.update_params(loss)
        weights = torch.cat([p.detach().flatten().clone()
                             for p in model.parameters()])
        history.append((weights.tolist(), guard._skipped))
        guard._skipped = False
    results[rank] = history
    dist.destroy_process_group()


def test_in_distributed_training_every_rank_skips_together(tmp_path):
    # A rank that skipped alone would leave the others waiting in the
    # gradient all-reduce (a hang) or let the replicas drift apart.
    import torch.multiprocessing as mp
    results = mp.Manager().dict()
    mp.start_processes(_ddp_rank, args=(str(tmp_path / 'init'), results),
                       nprocs=2, join=True, start_method='fork')
    w0, s0 = [h[0] for h in results[0]], [h[1] for h in results[0]]
    w1, s1 = [h[0] for h in results[1]], [h[1] for h in results[1]]
    assert s0 == s1 == [False, True, False]
    assert w0 == w1  # the replicas stay identical
    assert w0[1] == w0[0] and w0[2] != w0[1]  # step 2 skipped, 3 applied
