"""Fixtures shared by the tests of p2r_mm.apis."""
import pytest
import torch


@pytest.fixture(scope='module')
def one_thread():
    """Torch on one thread for a module of tiny models: a second thread
    only adds contention (50x slower on a busy 2-core machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
