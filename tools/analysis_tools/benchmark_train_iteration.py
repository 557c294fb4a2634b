"""Where a training iteration's time goes: waiting for data vs computing.

Usage:
    python tools/analysis_tools/benchmark_train_iteration.py CONFIG
        [--iters 30] [--warmup 5] [--num-workers 0 2 4] [--json OUT.json]
        [--cfg-options ...]

For each worker count, builds the config's train dataloader, model and
optimiser through the MMEngine Runner, runs ``warmup + iters`` training
steps, and reports the median time spent waiting for the next batch and
spent in ``model.train_step`` (forward, backward, optimiser; semi-supervised
models with their unlabelled branch on). It also
times the data pipeline of single samples in the main process. Data
loading is not the bottleneck when the wait is small against the step.

``--json`` writes the machine (with the load average at the start and the
end), the settings, the batch's layout (images and crop sizes per branch)
and per worker count the medians in seconds; the table of
docs/benchmarks.md is rendered from it (``tools/misc/readme_tables.py``).
``--cfg-options`` are not recorded (they may hold local paths, e.g. a
data_root).
"""
import argparse
import json
import statistics
import tempfile
import time

from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--num-workers', type=int, nargs='+',
                        default=[0, 2, 4])
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


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


def batch_layout(data):
    """Per branch of a collated batch (``'inputs'`` for a supervised one),
    ``images`` and the distinct ``sizes`` [H, W] of its (3, H, W) images;
    ``None`` entries (the unlabelled branches of a labelled sample) are
    not images."""
    inputs = data['inputs']
    branches = inputs if isinstance(inputs, dict) else dict(inputs=inputs)
    layout = {}
    for name, images in branches.items():
        images = [x for x in images if x is not None]
        layout[name] = dict(images=len(images), sizes=sorted(
            {tuple(int(v) for v in x.shape[-2:]) for x in images}))
    return layout


def measure(args, num_workers):
    with tempfile.TemporaryDirectory() as work_dir:
        runner = build_runner(args, num_workers, work_dir)
        loader = runner.build_dataloader(runner._train_dataloader)
        runner.optim_wrapper = runner.build_optim_wrapper(
            runner.optim_wrapper)
        model = runner.model
        unsup_weight = None
        if hasattr(model, 'unsup_weight'):
            unsup_weight = model.unsup_weight = 1.0  # the branch on
        model.train()
        batches = iter(loader)
        waits, steps, layout = [], [], None
        for i in range(args.warmup + args.iters):
            start = time.perf_counter()
            try:
                data = next(batches)
            except StopIteration:
                batches = iter(loader)
                data = next(batches)
            fetched = time.perf_counter()
            layout = layout or batch_layout(data)
            model.train_step(data, runner.optim_wrapper)
            done = time.perf_counter()
            if i >= args.warmup:
                waits.append(fetched - start)
                steps.append(done - fetched)
        per_sample = time_pipeline(loader.dataset, 20)
        return dict(workers=num_workers, batch=loader.batch_size,
                    layout=layout, unsup_weight=unsup_weight,
                    wait=statistics.median(waits),
                    step=statistics.median(steps), sample=per_sample)


def main(argv=None):
    args = parse_args(argv)
    from machine import describe, load_average, machine_info
    machine = machine_info()
    print(f'{args.config}: {describe(machine)}, load average '
          f"{machine['load_average_at_start']:.2f}; median of {args.iters} "
          f'iterations after {args.warmup}.\n')
    print('| workers | batch | data wait / iter | train step / iter | '
          'pipeline / sample (main process) |')
    print('|---|---|---|---|---|')
    results = []
    for workers in args.num_workers:
        r = measure(args, workers)
        results.append(r)
        print(f"| {r['workers']} | {r['batch']} | {r['wait'] * 1e3:.0f} ms "
              f"| {r['step'] * 1e3:.0f} ms | {r['sample'] * 1e3:.1f} ms |",
              flush=True)
    machine['load_average_at_end'] = load_average()
    if args.json:
        layout = results[0]['layout']
        out = dict(
            config=args.config, machine=machine, iters=args.iters,
            warmup=args.warmup, layout=layout,
            unsup_weight=results[0]['unsup_weight'],
            results=[dict(workers=r['workers'], batch=r['batch'],
                          wait_s=r['wait'], step_s=r['step'],
                          sample_s=r['sample']) for r in results])
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=2)
        print(f'\nwrote {args.json}')


if __name__ == '__main__':
    main()
