"""tools/demo/stop_signals.py: a first SIGINT / SIGTERM asks, a second
interrupts, an ignored signal stays ignored, and the old handlers come
back."""
import importlib.util
import os
import os.path as osp
import signal

import pytest

from .test_train_test_tools import REPO

spec = importlib.util.spec_from_file_location(
    'stop_signals', osp.join(REPO, 'tools', 'demo', 'stop_signals.py'))
stop_signals = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stop_signals)
StopSignals = stop_signals.StopSignals


@pytest.fixture(autouse=True)
def interactive_sigint():
    """SIGINT as an interactive Python has it (KeyboardInterrupt), also
    when the suite was started in the background, which ignores it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM],
                         ids=['SIGINT', 'SIGTERM'])
def test_first_signal_asks_second_interrupts(sig):
    before = signal.getsignal(sig)
    with StopSignals() as stop:
        assert not stop.requested
        os.kill(os.getpid(), sig)  # handled at once, in this thread
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), sig)
    assert signal.getsignal(sig) is before


def test_an_ignored_sigint_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with StopSignals() as stop:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGINT)
            assert not stop.requested
            assert signal.getsignal(signal.SIGTERM) == stop.handle
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_handler_installed_from_c_is_restored_as_the_default(
        monkeypatch):
    # signal.signal returns None for a handler that C code installed.
    real = signal.signal
    before = {sig: signal.getsignal(sig) for sig in StopSignals.SIGNALS}
    monkeypatch.setattr(signal, 'signal',
                        lambda sig, handler: (real(sig, handler), None)[1])
    try:
        with StopSignals():
            pass  # exiting must not call signal.signal(sig, None)
        for sig in StopSignals.SIGNALS:
            assert signal.getsignal(sig) is signal.SIG_DFL
    finally:
        for sig, handler in before.items():
            real(sig, handler)
