from types import SimpleNamespace

import pytest

from p2r_mm.engine.hooks import UnsupWeightHook


def test_paper_schedule():
    hook = UnsupWeightHook()  # 50 epochs burn-in, +0.01, at most 2
    assert hook.weight_at(0) == 0.0
    assert hook.weight_at(49) == 0.0
    assert hook.weight_at(50) == pytest.approx(0.01)
    assert hook.weight_at(149) == pytest.approx(1.0)
    assert hook.weight_at(249) == pytest.approx(2.0)
    assert hook.weight_at(5000) == 2.0


def test_sets_the_model_weight_each_epoch():
    hook = UnsupWeightHook(burn_in_epochs=2, step=0.5, max_weight=1.2)
    model = SimpleNamespace(unsup_weight=None)
    seen = []
    for epoch in range(5):
        hook.before_train_epoch(SimpleNamespace(model=model, epoch=epoch))
        seen.append(model.unsup_weight)
    assert seen == [0.0, 0.0, 0.5, 1.0, 1.2]


def test_needs_a_semi_supervised_model():
    with pytest.raises(AttributeError, match='unsup_weight'):
        UnsupWeightHook().before_train_epoch(
            SimpleNamespace(model=object(), epoch=0))
