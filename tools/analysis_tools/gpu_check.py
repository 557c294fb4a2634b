"""One prepared check of p2r_mm on a GPU: the CUDA paths against CPU
references, loss speed, training throughput of the paper model and
inference memory, printed as a short report and written as JSON.

Usage:
    python tools/analysis_tools/gpu_check.py [--device cuda|cpu]
        [--json OUT.json] [--sections correctness loss_speed throughput
        inference] [--quick] [--data-root DIR] [--num-workers N [N ...]]

Sections:
  correctness  the nearest-point window search on the device against
               SciPy's KD-tree on the CPU (>= 60 random cases: batches,
               strides 1/2/4/8, empty images, more points than cells,
               points outside the image, exact ties); P2RLoss / P2PLoss
               values and gradients on the device against the CPU (fp32,
               TF32 off); PSAM on the device against the CPU; one
               semi-supervised step under autocast (what ``--amp`` runs)
               against fp32: finite losses and the same pseudo-points.
               On the CPU the device side is the other implementation
               (window vs KD-tree, batched vs single PSAM backward passes,
               bfloat16 vs fp32). Each check prints PASS/FAIL, the
               measured difference and its tolerance.
  loss_speed   benchmark_loss.py's cases on the device (time, peak memory).
  throughput   configs/p2r/sha_5pct.py at full width, 1 x (16 labelled + 16
               unlabelled) 256x256 crops of generated ShanghaiTech-A-format
               images through the real pipeline and loader: iterations/s,
               peak memory, data wait vs step, fp32 and ``--amp``
               (AmpOptimWrapper, fp16), and the step split into teacher
               forward / student forward / loss / backward / optimiser /
               EMA.
  inference    full-image prediction of 2048x1536 and 4096x3072 inputs at
               full width: time and peak memory, whole, tiled
               (``--tile 2048 256``) and under fp16 autocast.

Size: sized for <= 8 minutes on one modern GPU: the throughput section,
the longest, runs 2 precisions x 2 worker counts x (5 + 40) steps plus 2 x
11 breakdown steps, which stays under 4 minutes unless a step takes over
1 s; benchmark_loss's P2P rows (host Hungarian matching, ~6 s per 2048x1536
run) take ~25 s; the rest well under a minute. The first run also draws
the 16 distinct scenes of the data (~10 s; ``--data-root`` keeps them).
``--quick`` shrinks everything (64x64 crops, a few steps, a model of
width 4, small inputs) so that the CPU path runs in the test suite.

The exit status is 1 when a correctness check fails. The JSON (machine,
versions, precision settings, every number) is rewritten after each
section, so a run stopped early keeps what it measured.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import sys
import tempfile
import time

SECTIONS = ('correctness', 'loss_speed', 'throughput', 'inference')
# What each section runs, full size and --quick.
SCALE = dict(
    full=dict(semi_batch=8, loss_cases=('sha_crops', 'qnrf_1024',
                                        'qnrf_2048'), loss_runs=5,
              p2p_runs=2, batch=32, warmup=5, iters=40, repeats=10,
              sizes=((1536, 2048), (3072, 4096)),
              tile=dict(size=2048, overlap=256), infer_runs=3),
    quick=dict(semi_batch=4, loss_cases=('sha_crops', ), loss_runs=1,
               p2p_runs=1, batch=4, warmup=1, iters=2, repeats=1,
               sizes=((64, 96), (128, 192)),
               tile=dict(size=96, overlap=32), infer_runs=1))
GIB_24 = 24 * 1024  # MiB: the consumer cards QNRF/NWPU users train on


def load_sections():
    """The ``gpu_checks`` package beside this file."""
    if 'gpu_checks' not in sys.modules:
        folder = osp.join(osp.dirname(osp.abspath(__file__)), 'gpu_checks')
        spec = importlib.util.spec_from_file_location(
            'gpu_checks', osp.join(folder, '__init__.py'),
            submodule_search_locations=[folder])
        module = importlib.util.module_from_spec(spec)
        sys.modules['gpu_checks'] = module
        spec.loader.exec_module(module)
    import gpu_checks.common
    import gpu_checks.correctness
    import gpu_checks.speed
    return gpu_checks


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=('cuda', 'cpu'), default=None,
                        help='default: cuda when available')
    parser.add_argument('--json', help='write the report here')
    parser.add_argument('--sections', nargs='+', choices=SECTIONS,
                        default=list(SECTIONS))
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: the CPU path in seconds')
    parser.add_argument('--data-root',
                        help='where the generated ShanghaiTech-format '
                        'images are (re)used; default: a temporary folder')
    parser.add_argument('--num-workers', type=int, nargs='+',
                        help='throughput: dataloader workers to measure '
                        '(default: the config\'s 4 and min(12, CPUs - 2); '
                        '--quick: 0)')
    return parser.parse_args(argv)


class Report:
    """The printed lines and the JSON, rewritten after each section."""

    def __init__(self, path, header):
        self.path, self.data = path, dict(header, sections={}, seconds={})

    def section(self, name, value, seconds):
        self.data['sections'][name] = value
        self.data['seconds'][name] = round(seconds, 2)
        if self.path:
            with open(self.path, 'w') as f:
                json.dump(self.data, f, indent=1)


def fmt_mb(mb):
    return 'n/a' if mb is None else f'{mb:.0f} MiB'


def print_checks(checks):
    for c in checks:
        print(f"  {'PASS' if c['passed'] else 'FAIL'}  {c['name']}: "
              f"{c['max_diff']:.2e} (tol {c['tol']:.0e})\n        {c['note']}")


def print_loss_speed(rows):
    print('  | case | loss | median time | peak CUDA memory |')
    for r in rows:
        print(f"  | {r['label']} | {r['loss']} | {r['median_s'] * 1e3:.1f} ms"
              f" | {fmt_mb(r.get('peak_cuda_mb'))} |")


def print_throughput(rows):
    for r in rows:
        print(f"  {r['precision']}, batch {r['batch']}:")
        for loop in r['loops']:
            print(f"    {loop['workers']} workers: {loop['it_per_s']:.2f} it/s"
                  f", step {loop['step_median_s'] * 1e3:.0f} ms, data wait "
                  f"{loop['wait_median_s'] * 1e3:.0f} ms (median; "
                  f"{loop['wait_share']:.0%} of the time waiting), peak "
                  f"{fmt_mb(loop['peak_cuda_mb'])}")
        parts = ', '.join(f'{k} {v * 1e3:.1f} ms' for k, v in
                          r['breakdown_s'].items() if not k.startswith(
                              'network'))
        share = r['breakdown_s'][
            'network share (teacher + student forward, backward)']
        print(f'    one step: {parts}; the network is {share:.0%}')


def print_inference(rows):
    for r in rows:
        if r.get('out_of_memory'):
            print(f"  {r['size']} {r['mode']}: out of memory")
            continue
        fits = '' if r['peak_cuda_mb'] is None else (
            ', fits 24 GiB' if r['peak_cuda_mb'] < GIB_24 else
            ', over 24 GiB')
        print(f"  {r['size']} {r['mode']}: {r['median_s'] * 1e3:.0f} ms, "
              f"peak {fmt_mb(r['peak_cuda_mb'])}{fits}, {r['count']} heads")


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.logging import MMLogger

    # Building models and optimisers logs every parameter: keep the report
    # readable.
    MMLogger.get_instance('p2r_gpu_check', log_level='ERROR')
    checks_pkg = load_sections()
    common = checks_pkg.common
    device = torch.device(args.device or (
        'cuda' if torch.cuda.is_available() else 'cpu'))
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('gpu_check.py: --device cuda, but torch sees no '
                         'CUDA device')
    scale = SCALE['quick' if args.quick else 'full']
    report = Report(args.json, dict(
        machine=common.machine(device), versions=common.versions(),
        precision_flags=common.precision_flags(), quick=args.quick,
        scale={k: v for k, v in scale.items()}))
    print(f"p2r_mm GPU check on {report.data['machine'].get('gpu', 'cpu')} "
          f"({device}); torch {torch.__version__}, CUDA "
          f"{torch.version.cuda}{', quick' if args.quick else ''}")
    tmp = None
    if args.data_root is None:
        tmp = tempfile.TemporaryDirectory(prefix='p2r_gpu_check_')
    data_root = args.data_root or tmp.name
    try:
        failed = run_sections(args, device, scale, data_root, report,
                              checks_pkg)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print('Correctness: ' + ('FAILED: ' + ', '.join(failed) if failed else
                             'all checks passed'))
    return 1 if failed else 0


def run_sections(args, device, scale, data_root, report, pkg):
    common, speed = pkg.common, pkg.speed
    cpus = os.cpu_count() or 1
    start = time.perf_counter()
    common.ensure_data(data_root, args.quick, workers=min(8, cpus))
    report.data['data'] = dict(root_is_temporary=args.data_root is None,
                               seconds=round(time.perf_counter() - start, 1))

    def cfg_for(workers, batch=scale['batch']):
        return common.paper_config(data_root, args.quick, batch, workers)

    failed = []
    for name in args.sections:
        print(f'\n[{name}]', flush=True)
        start = time.perf_counter()
        if name == 'correctness':
            cfg = cfg_for(0, scale['semi_batch'])
            value = pkg.correctness.run_all(
                device, cfg.model.counter, cfg, common.one_batch(cfg),
                args.quick)
            print_checks(value)
            failed += [c['name'] for c in value if not c['passed']]
        elif name == 'loss_speed':
            value = speed.loss_speed(device, scale['loss_cases'],
                                     scale['loss_runs'], scale['p2p_runs'])
            print_loss_speed(value)
        elif name == 'throughput':
            workers = args.num_workers or ([0] if args.quick else sorted(
                {common.config_workers(), max(1, min(12, cpus - 2))}))
            rows = speed.throughput(cfg_for, device, ('fp32', 'amp'),
                                    workers, scale['warmup'], scale['iters'],
                                    scale['repeats'])
            per_sample = speed.pipeline_time(cfg_for(0),
                                             4 if args.quick else 32)
            value = dict(rows=rows, pipeline_s_per_sample=per_sample)
            print_throughput(rows)
            print(f'  data pipeline: {per_sample * 1e3:.1f} ms per sample '
                  'in one process')
        else:
            value = speed.inference(
                cfg_for(0).model.counter, device, scale['sizes'],
                scale['tile'], scale['infer_runs'], common.amp_dtype(device))
            print_inference(value)
        common.free_memory(device)
        report.section(name, value, time.perf_counter() - start)
        print(f'  ({time.perf_counter() - start:.0f} s)', flush=True)
    return failed


if __name__ == '__main__':
    sys.exit(main())
