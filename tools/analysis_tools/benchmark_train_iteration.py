"""Where a training iteration's time goes: waiting for data vs computing.

Usage:
    python tools/analysis_tools/benchmark_train_iteration.py CONFIG
        [--iters 30] [--warmup 5] [--num-workers 0 2 4] [--cfg-options ...]

For each worker count, builds the config's train dataloader, model and
optimiser through the MMEngine Runner, runs ``warmup + iters`` training
steps, and reports the median time spent waiting for the next batch and
spent in ``model.train_step`` (forward, backward, optimiser; semi-supervised
models with their unlabelled branch on). It also
times the data pipeline of single samples in the main process. Data
loading is not the bottleneck when the wait is small against the step.
"""
import argparse
import statistics
import tempfile
import time

from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--num-workers', type=int, nargs='+',
                        default=[0, 2, 4])
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def build_runner(args, num_workers, work_dir):
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = work_dir
    cfg.train_dataloader.num_workers = num_workers
    cfg.train_dataloader.persistent_workers = num_workers > 0
    cfg.log_level = 'WARNING'
    cfg.experiment_name = f'benchmark_w{num_workers}_{time.time_ns()}'
    runner = Runner.from_cfg(cfg)
    return runner


def time_pipeline(dataset, n):
    """Median seconds to load + transform one sample, in this process."""
    times = []
    for i in range(n):
        start = time.perf_counter()
        dataset[i % len(dataset)]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(args, num_workers):
    with tempfile.TemporaryDirectory() as work_dir:
        runner = build_runner(args, num_workers, work_dir)
        loader = runner.build_dataloader(runner._train_dataloader)
        runner.optim_wrapper = runner.build_optim_wrapper(
            runner.optim_wrapper)
        model = runner.model
        if hasattr(model, 'unsup_weight'):
            model.unsup_weight = 1.0  # measure with the unlabelled branch on
        model.train()
        batches = iter(loader)
        waits, steps = [], []
        for i in range(args.warmup + args.iters):
            start = time.perf_counter()
            try:
                data = next(batches)
            except StopIteration:
                batches = iter(loader)
                data = next(batches)
            fetched = time.perf_counter()
            model.train_step(data, runner.optim_wrapper)
            done = time.perf_counter()
            if i >= args.warmup:
                waits.append(fetched - start)
                steps.append(done - fetched)
        per_sample = time_pipeline(loader.dataset, 20)
        return dict(workers=num_workers, batch=loader.batch_size,
                    wait=statistics.median(waits),
                    step=statistics.median(steps), sample=per_sample)


def main():
    args = parse_args()
    import os

    import torch
    print(f'{args.config}: {os.cpu_count()} CPUs, torch '
          f'{torch.__version__}, {torch.get_num_threads()} threads; median '
          f'of {args.iters} iterations after {args.warmup}.\n')
    print('| workers | batch | data wait / iter | train step / iter | '
          'pipeline / sample (main process) |')
    print('|---|---|---|---|---|')
    for workers in args.num_workers:
        r = measure(args, workers)
        print(f"| {r['workers']} | {r['batch']} | {r['wait'] * 1e3:.0f} ms "
              f"| {r['step'] * 1e3:.0f} ms | {r['sample'] * 1e3:.1f} ms |",
              flush=True)


if __name__ == '__main__':
    main()
