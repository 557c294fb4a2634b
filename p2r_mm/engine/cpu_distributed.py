"""Distributed training on CPU-only machines (gloo).

MMEngine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and wraps
the model with ``device_ids=[LOCAL_RANK]``; both fail without CUDA. When
CUDA is absent, :func:`prepare_cpu_distributed` initialises the process
group with gloo itself (MMEngine then skips its own initialisation) and
asks for a DDP wrapper without device ids.
"""
import logging
import os
import sys

import torch
import torch.distributed as dist
from mmengine.config import Config


def prepare_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Make ``cfg`` runnable under ``launcher`` without CUDA.

    Returns:
        bool: whether anything was changed (False with CUDA or no launcher).
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r} needs CUDA; on CPU use '
                         "'pytorch' (processes started by torchrun)")
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if not dist.is_initialized():
        dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    return True


def destroy_distributed(sync: bool = False) -> None:
    """Tear the process group down before the interpreter exits.

    Without it, gloo's worker threads can outlive the interpreter's
    finalisation and abort the process (``terminate called without an
    active exception``, SIGABRT) after a run that succeeded; the launcher
    then reports the whole job as failed. ``sync`` (for a run that ended
    normally on every rank) first waits for every rank, so that no rank
    tears its connections down while another still uses them; after an
    error a rank must not wait for ranks that may never arrive.
    """
    if dist.is_available() and dist.is_initialized():
        if sync and dist.get_world_size() > 1:
            dist.barrier()
        dist.destroy_process_group()


def finish_distributed() -> None:
    """End a run that finished normally on every rank: wait for every
    rank and tear the group down; a rank of a gloo group of several then
    leaves through :func:`end_gloo_rank`. Without a group: nothing."""
    if not (dist.is_available() and dist.is_initialized()):
        return
    leave = dist.get_world_size() > 1 and dist.get_backend() == 'gloo'
    destroy_distributed(sync=True)
    if leave:
        end_gloo_rank()


def end_gloo_rank() -> None:
    """End a rank of a gloo run that finished, skipping the interpreter's
    finalisation.

    Even with the group torn down, a rank now and then still aborts while
    the interpreter finalises (SIGABRT, ``terminate called without an
    active exception``: 1 of 12 two-process CPU runs of a resume), and the
    launcher fails a job whose results are all written. Everything the
    run wrote is closed by then (checkpoints, the visualizer's backends in
    ``after_run``); the log files and the output streams are flushed here.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
