from types import SimpleNamespace

import pytest

from p2r_mm.engine.hooks import UnsupWeightHook


def official_weight(epoch):
    """The official main.py's w for the 0-based epoch."""
    return min(max((epoch - 50) * 0.01, 0), 2)


def test_paper_schedule_is_the_official_one():
    hook = UnsupWeightHook()  # 50 epochs burn-in, +0.01, at most 2
    for epoch in range(0, 400):
        assert hook.weight_at(epoch) == pytest.approx(
            official_weight(epoch), abs=1e-12), epoch
        # The official branch runs from epoch 50 on (STAGE_2), w = 0 there.
        assert hook.started_at(epoch) == (epoch >= 50), epoch
    assert hook.weight_at(50) == 0.0 and hook.weight_at(51) == \
        pytest.approx(0.01)
    assert hook.weight_at(250) == pytest.approx(2.0)
    assert hook.weight_at(5000) == 2.0


def test_sets_the_model_weight_each_epoch():
    hook = UnsupWeightHook(burn_in_epochs=2, step=0.5, max_weight=1.2)
    model = SimpleNamespace(unsup_weight=None)
    seen = []
    for epoch in range(6):
        hook.before_train_epoch(SimpleNamespace(model=model, epoch=epoch))
        seen.append((model.unsup_weight, model.unsup_started))
    assert seen == [(0.0, False), (0.0, False), (0.0, True), (0.5, True),
                    (1.0, True), (1.2, True)]


def test_needs_a_semi_supervised_model():
    with pytest.raises(AttributeError, match='unsup_weight'):
        UnsupWeightHook().before_train_epoch(
            SimpleNamespace(model=object(), epoch=0))


def test_restart_teacher_copies_the_student_once_when_the_branch_starts():
    import logging

    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    model = SimpleNamespace(unsup_weight=None,
                            student=nn.Sequential(nn.Linear(3, 2),
                                                  nn.BatchNorm1d(2)),
                            teacher=nn.Sequential(nn.Linear(3, 2),
                                                  nn.BatchNorm1d(2)))
    model.student[1].running_mean.fill_(0.5)
    hook = UnsupWeightHook(burn_in_epochs=2, step=1.0, restart_teacher=True)
    runner = SimpleNamespace(model=model, epoch=0,
                             logger=logging.getLogger('test'))

    def same():
        s, t = model.student.state_dict(), model.teacher.state_dict()
        return all(torch.equal(s[k], t[k]) for k in s)

    for epoch in (0, 1):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        assert not same(), epoch  # burn-in: the teacher is left alone
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert same()  # weights and BN statistics
    with torch.no_grad():
        model.teacher[0].weight.add_(1.0)  # the EMA moves it on
    runner.epoch = 3
    hook.before_train_epoch(runner)
    assert not same()  # no second restart
    # Off by default: the official recipe never restarts.
    assert UnsupWeightHook().restart_teacher is False
