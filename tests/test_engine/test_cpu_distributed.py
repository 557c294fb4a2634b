import subprocess
import sys

import torch.distributed as dist

from p2r_mm.engine import finish_distributed


def test_nothing_to_tear_down_without_a_group():
    assert not dist.is_initialized()
    finish_distributed()  # returns: nothing to wait for or tear down


def test_a_single_rank_group_is_torn_down_and_ends_normally(tmp_path):
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    # One rank: nothing to race with; it returns, and the interpreter
    # finalises as usual.
    finish_distributed()
    assert not dist.is_initialized()


def test_a_gloo_rank_ends_with_its_output_flushed(tmp_path):
    # What tools/train.py does after a distributed run that finished: the
    # process skips finalisation, yet what it printed and logged is kept.
    log = tmp_path / 'run.log'
    code = (
        'import logging, sys\n'
        'from p2r_mm.engine.cpu_distributed import end_gloo_rank\n'
        f'logging.basicConfig(filename={str(log)!r}, level=logging.INFO)\n'
        "logging.info('saved epoch_3.pth')\n"
        "print('buffered', end='')\n"
        "sys.stderr.write('to stderr')\n"
        'end_gloo_rank()\n'
        "print('never')\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == 'buffered'
    assert out.stderr.endswith('to stderr')
    assert 'saved epoch_3.pth' in log.read_text()
