"""Loss speed, training throughput and inference memory on one device.

Every timed region ends with a device synchronisation (:func:`.common.now`)
and every peak is ``torch.cuda.max_memory_allocated`` since a
``reset_peak_memory_stats`` just before the region (CUDA only; None on the
CPU).
"""
import copy
import importlib.util
import os.path as osp
import statistics
import time
from collections import defaultdict

import torch

from .common import (allocated_mb, build_loader, build_model, free_memory,
                     make_optim_wrapper, now, peak_mb, reset_peak, sync)

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))


def sibling_tool(name):
    """``tools/analysis_tools/<name>.py`` as a module."""
    spec = importlib.util.spec_from_file_location(
        f'p2r_gpu_check_{name}', osp.join(TOOLS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------ loss speed
def loss_speed(device, cases, runs, p2p_runs):
    """``benchmark_loss.py``'s cases, measured in this process by its own
    ``measure_one`` (forward + backward, median after a warm-up)."""
    bench = sibling_tool('benchmark_loss')
    rows = []
    for case in cases:
        for loss, n in (('p2r', runs), ('p2p', p2p_runs)):
            free_memory(device)
            base = allocated_mb(device)
            row = bench.measure_one(case, loss, device.type, n)
            row.update(label=bench.LABELS[case], base_cuda_mb=base)
            # In-process RSS mixes every earlier section: not reported.
            row.pop('peak_rss_mb', None)
            row.pop('base_rss_mb', None)
            rows.append(row)
    return rows


# ------------------------------------------------------------ throughput
def mean_teacher_hook(cfg):
    """The config's ``MeanTeacherHook`` (the EMA after each step)."""
    from mmengine.registry import HOOKS
    for hook in cfg.custom_hooks:
        if hook['type'].split('.')[-1] == 'MeanTeacherHook':
            return HOOKS.build(copy.deepcopy(hook))
    raise ValueError('the config has no MeanTeacherHook')


def timed_loop(model, wrapper, ema, loader, device, warmup, iters):
    """``warmup + iters`` training steps as the train loop runs them
    (``train_step``, then the EMA); per timed step the wait for the batch
    and the step itself (device-synchronised)."""
    batches = iter(loader)
    waits, steps, pseudo = [], [], []
    for i in range(warmup + iters):
        if i == warmup:
            reset_peak(device)
            start = time.perf_counter()
        t0 = time.perf_counter()
        try:
            data = next(batches)
        except StopIteration:  # an epoch is 19 steps at SHA's size
            batches = iter(loader)
            data = next(batches)
        t1 = time.perf_counter()
        log_vars = model.train_step(data, wrapper)
        ema.momentum_update(model, ema.momentum)
        t2 = now(device)
        if i >= warmup:
            waits.append(t1 - t0)
            steps.append(t2 - t1)
            pseudo.append(float(log_vars['pseudo_points']))
    total = time.perf_counter() - start
    return dict(
        iters=iters, warmup=warmup, it_per_s=iters / total,
        wait_median_s=statistics.median(waits),
        step_median_s=statistics.median(steps),
        wait_share=sum(waits) / total, peak_cuda_mb=peak_mb(device),
        pseudo_points_per_image=statistics.mean(pseudo))


class PartTimers:
    """Device-synchronised wall time of module calls, by part: forward
    hooks on the teacher's and the student's backbone, neck and head, and
    on the point losses."""

    def __init__(self, model, device):
        self.device = device
        self.seconds = defaultdict(float)
        self._start = {}
        parts = [('teacher forward', m) for m in (
            model.teacher.backbone, model.teacher.neck, model.teacher.head)]
        parts += [('student forward', m) for m in (
            model.student.backbone, model.student.neck, model.student.head)]
        losses = {id(m): m for m in (model.student.head.loss_fn,
                                     model.unsup_loss_fn)}
        parts += [('loss', m) for m in losses.values()]
        self.handles = []
        for part, module in parts:
            self.handles.append(module.register_forward_pre_hook(
                self._enter))
            self.handles.append(module.register_forward_hook(
                lambda m, args, out, part=part: self._leave(m, part)))

    def _enter(self, module, args):
        self._start[id(module)] = now(self.device)

    def _leave(self, module, part):
        self.seconds[part] += now(self.device) - self._start.pop(id(module))

    def remove(self):
        for h in self.handles:
            h.remove()


def step_breakdown(model, wrapper, ema, data, device, repeats):
    """Median seconds per part of one training step on a fixed batch:
    the steps of ``BaseModel.train_step`` (preprocess, forward, backward,
    optimiser) and the EMA, timed one by one (synchronising in between,
    so the parts add up to a little more than a free-running step)."""
    rows = []
    for r in range(repeats + 1):  # the first is a warm-up
        batch = copy.deepcopy(data)
        timers = PartTimers(model, device)
        try:
            t0 = now(device)
            with wrapper.optim_context(model):
                batch = model.data_preprocessor(batch, True)
                t1 = now(device)
                losses = model._run_forward(batch, mode='loss')
            loss, _ = model.parse_losses(losses)
            t2 = now(device)
        finally:
            timers.remove()
        wrapper.backward(wrapper.scale_loss(loss))
        t3 = now(device)
        wrapper.step()
        wrapper.zero_grad()
        t4 = now(device)
        ema.momentum_update(model, ema.momentum)
        t5 = now(device)
        parts = dict(timers.seconds)
        parts['preprocess (to device, normalise)'] = t1 - t0
        parts['pseudo-labels and the rest of the forward'] = (
            t2 - t1 - sum(timers.seconds.values()))
        parts['backward'] = t3 - t2
        parts['optimiser step'] = t4 - t3
        parts['EMA (teacher update)'] = t5 - t4
        parts['total'] = t5 - t0
        if r:
            rows.append(parts)
    out = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    network = (out.get('teacher forward', 0) + out.get('student forward', 0)
               + out['backward'])
    out['network share (teacher + student forward, backward)'] = (
        network / out['total'])
    return out


def throughput(cfg_for, device, precisions, workers, warmup, iters,
               repeats):
    """Training throughput per precision and dataloader worker count, and
    a per-part breakdown of the step per precision. ``cfg_for(workers)``
    gives the config to train."""
    results = []
    for precision in precisions:
        cfg = cfg_for(0)
        free_memory(device)
        model = build_model(cfg.model, device)
        model.unsup_weight, model.unsup_started = 1.0, True  # branch on
        model.train()
        wrapper = make_optim_wrapper(model, cfg.optim_wrapper, precision,
                                     device)
        ema = mean_teacher_hook(cfg)
        row = dict(precision=precision,
                   batch=cfg.train_dataloader.batch_size,
                   model_cuda_mb=allocated_mb(device), loops=[])
        for n in workers:
            loader = build_loader(cfg_for(n))
            loop = timed_loop(model, wrapper, ema, loader, device, warmup,
                              iters)
            loop['workers'] = n
            row['loops'].append(loop)
            del loader
        data = next(iter(build_loader(cfg_for(0))))
        reset_peak(device)
        row['breakdown_s'] = step_breakdown(model, wrapper, ema, data,
                                            device, repeats)
        row['breakdown_peak_cuda_mb'] = peak_mb(device)
        results.append(row)
        del model, wrapper
    return results


def pipeline_time(cfg, samples):
    """Median seconds to load and augment one training sample in the main
    process (``benchmark_train_iteration.py``'s ``time_pipeline``)."""
    bench = sibling_tool('benchmark_train_iteration')
    dataset = build_loader(cfg).dataset
    return bench.time_pipeline(dataset, samples)


# ------------------------------------------------------------ inference
def inference(counter_cfg, device, sizes, tile, runs, amp_dtype):
    """Whole-image prediction of a (1, 3, H, W) input at each size:
    median seconds and peak memory, whole, tiled (``test_cfg.tile``, as
    ``tools/test.py --tile``) and whole under autocast. A run out of
    memory is recorded as such."""
    from p2r_mm.structures import CrowdDataSample
    free_memory(device)
    model = build_model(counter_cfg, device).eval()
    weights = allocated_mb(device)
    rows = []
    for H, W in sizes:
        x = torch.randn(1, 3, H, W, device=device)
        for mode in ('whole', 'tiled', 'whole, autocast'):
            model.test_cfg = dict(tile=tile) if mode == 'tiled' else {}
            sample = CrowdDataSample(metainfo=dict(img_shape=(H, W),
                                                   ori_shape=(H, W)))
            row = dict(size=f'{W}x{H}', mode=mode, runs=runs,
                       tile=tile if mode == 'tiled' else None,
                       weights_cuda_mb=weights)
            try:
                with torch.no_grad(), torch.autocast(
                        device.type, dtype=amp_dtype,
                        enabled=mode.endswith('autocast')):
                    model.predict(x, [copy.deepcopy(sample)])  # warm-up
                    reset_peak(device)
                    times = []
                    for _ in range(runs):
                        t0 = now(device)
                        out = model.predict(x, [copy.deepcopy(sample)])
                        times.append(now(device) - t0)
                row.update(median_s=statistics.median(times),
                           peak_cuda_mb=peak_mb(device),
                           count=int(out[0].pred_count))
            except torch.cuda.OutOfMemoryError:
                row.update(median_s=None, peak_cuda_mb=None, count=None,
                           out_of_memory=True)
            sync(device)
            free_memory(device)
            rows.append(row)
        del x
    return rows
