"""Inference latency and memory: PyTorch against onnxruntime.

Exports the config's counter (the full-width VGG-16-BN P2R model by
default, with seeded random weights: speed hardly depends on their
values; ``--checkpoint`` gives trained ones, ``--model`` a shipped
model's config and weights) with tools/deployment/pytorch2onnx.py, whose
parity check is recorded, then times ``inference_counter`` on one W x H
BGR image (generated, or ``--image`` resized to W x H: a trained model
finds heads in a photo, and their points cost time too; whole image, no
tiling; test pipeline, normalisation, network and point extraction) with
each backend, each in a fresh subprocess so that one's memory does not
inflate the other's. Latency: median of ``--runs`` runs after one warm-up.
Memory: the process's peak resident set size (getrusage), and, as
"after load", its RSS once the model is loaded (interpreter, libraries and
weights), before the first image.

Usage:
    python tools/analysis_tools/benchmark_onnx.py
        [--config CONFIG [--checkpoint CKPT] | --model NAME]
        [--size 1024 768] [--image IMG] [--runs 10] [--threads N]
        [--json docs/benchmark_onnx.json]
"""
import argparse
import json
import os
import os.path as osp
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
EXPORT_TOOL = osp.join(REPO, 'tools', 'deployment', 'pytorch2onnx.py')
BACKENDS = ('pytorch', 'onnxruntime')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config', default=osp.join(REPO, 'configs', 'supervised',
                                     'sha_5pct.py'),
        help='model config (default: the full-width P2R counter)')
    parser.add_argument('--checkpoint',
                        help="the config's trained weights (default: "
                        'seeded random ones)')
    parser.add_argument('--model', help='a shipped model (p2r_mm/weights/, '
                        'e.g. shb_cpu_demo): its config and weights')
    parser.add_argument('--size', nargs=2, type=int, default=(1024, 768),
                        metavar=('W', 'H'), help='image size, pixels')
    parser.add_argument('--image', help='time this photo, resized to '
                        '--size (default: a generated image)')
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument(
        '--threads', type=int, default=None,
        help='threads of both backends (default: torch\'s default, the '
        'number of cores)')
    parser.add_argument('--work-dir', help='keep the checkpoint and .onnx '
                        'here (default: a temporary folder)')
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--single', nargs=2, metavar=('BACKEND', 'MODEL'),
                        help=argparse.SUPPRESS)  # one measurement (child)
    args = parser.parse_args()
    if args.model and args.single is None:
        from p2r_mm.apis import shipped_model
        if args.checkpoint:
            parser.error('--model comes with its weights: give --checkpoint '
                         'only with --config')
        try:
            args.config, args.checkpoint = shipped_model(args.model)
        except ValueError as e:
            parser.error(str(e))
    if args.image and not osp.isfile(args.image):
        parser.error(f'--image: no such file: {args.image}')
    if args.checkpoint and not osp.isfile(args.checkpoint):
        parser.error(f'--checkpoint: no such file: {args.checkpoint}')
    return args


def rss_mb(kind: str = 'peak') -> float:
    """Peak RSS (getrusage), or the current one (/proc/self/statm)."""
    if kind == 'peak':
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def benchmark_image(width: int, height: int, path=None):
    """``path`` read and resized to (width, height), or a seeded
    crowd-sized BGR uint8 image: colour blobs and pixel noise."""
    import cv2
    import numpy as np
    if path is not None:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise SystemExit(f'{path}: not a readable image')
        return cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(0)
    coarse = rng.uniform(0, 255, (height // 16, width // 16, 3))
    img = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(img + rng.normal(0, 20, img.shape), 0,
                   255).astype(np.uint8)


def measure_one(args) -> dict:
    """Child process: load one backend, time it, report a JSON line."""
    import torch

    from p2r_mm.apis import inference_counter, init_counter
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    backend, model_file = args.single
    model = init_counter(args.config, model_file, backend=backend)
    loaded_rss = rss_mb('current')
    img = benchmark_image(*args.size, path=args.image)
    inference_counter(model, img)  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        sample = inference_counter(model, img)
        times.append(time.perf_counter() - start)
    return dict(
        backend=backend,
        threads=torch.get_num_threads(),
        median_ms=1000 * statistics.median(times),
        min_ms=1000 * min(times),
        max_ms=1000 * max(times),
        runs=args.runs,
        count=int(sample.pred_count),
        rss_after_load_mb=loaded_rss,
        peak_rss_mb=rss_mb('peak'))


def machine() -> dict:
    import onnxruntime
    import torch
    cpu = platform.processor()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = re.search(r'model name\s*:\s*(.*)', f.read()).group(1)
    except (OSError, AttributeError):
        pass
    return dict(cpu=cpu, cores=os.cpu_count(), machine=platform.machine(),
                python=platform.python_version(), torch=torch.__version__,
                onnxruntime=onnxruntime.__version__,
                load_average_at_start=os.getloadavg()[0])


def random_checkpoint(config: str, path: str) -> None:
    """Seeded random weights of the config's model (no download)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from p2r_mm.registry import MODELS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        model = MODELS.build(Config.fromfile(config).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)


def run_child(args, backend: str, model_file: str) -> dict:
    cmd = [sys.executable, __file__, '--single', backend, model_file,
           '--config', args.config, '--runs', str(args.runs), '--size',
           *map(str, args.size)]
    if args.image:
        cmd += ['--image', args.image]
    if args.threads is not None:
        cmd += ['--threads', str(args.threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if out.returncode:
        raise SystemExit(f'{backend} measurement failed:\n'
                         f'{out.stderr[-3000:]}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def export(args, work_dir: str) -> tuple:
    """(onnx file, parity lines of the export tool, export seconds)."""
    ckpt = args.checkpoint or osp.join(work_dir, 'benchmark.pth')
    onnx_file = osp.join(work_dir, 'benchmark.onnx')
    if not args.checkpoint:
        random_checkpoint(args.config, ckpt)
    start = time.perf_counter()
    out = subprocess.run([
        sys.executable, EXPORT_TOOL, args.config, ckpt, onnx_file,
        '--overwrite'
    ], capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(f'export failed:\n{out.stdout[-2000:]}\n'
                         f'{out.stderr[-3000:]}')
    parity = [line.strip() for line in out.stdout.splitlines()
              if 'max |logit difference|' in line]
    return onnx_file, parity, seconds


def main():
    args = parse_args()
    if args.single is not None:
        print(json.dumps(measure_one(args)))
        return
    info = machine()
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = args.work_dir or tmp
        os.makedirs(work_dir, exist_ok=True)
        onnx_file, parity, export_s = export(args, work_dir)
        print(f'exported in {export_s:.0f} s; parity:')
        print('\n'.join(f'  {line}' for line in parity))
        files = dict(pytorch=args.checkpoint or osp.join(
            work_dir, 'benchmark.pth'), onnxruntime=onnx_file)
        rows = [run_child(args, b, files[b]) for b in BACKENDS]
    width, height = args.size
    print(f'\n{width}x{height}, {osp.relpath(args.config, REPO)}, '
          f'{info["cpu"]} ({info["cores"]} cores), torch {info["torch"]}, '
          f'onnxruntime {info["onnxruntime"]}')
    print('| backend | median latency | min-max | peak RSS | RSS after '
          'load | count |')
    print('|---|---|---|---|---|---|')
    for r in rows:
        print(f'| {r["backend"]} | {r["median_ms"]:.0f} ms | '
              f'{r["min_ms"]:.0f}-{r["max_ms"]:.0f} ms | '
              f'{r["peak_rss_mb"]:.0f} MB | {r["rss_after_load_mb"]:.0f} '
              f'MB | {r["count"]} |')
    speedup = rows[0]['median_ms'] / rows[1]['median_ms']
    print(f'onnxruntime / pytorch speed: {speedup:.2f}x')
    if args.json:
        result = dict(config=osp.relpath(args.config, REPO),
                      weights=(osp.relpath(args.checkpoint, REPO)
                               if args.checkpoint else 'seeded random'),
                      image_size=dict(width=width, height=height),
                      image=args.image or 'generated',
                      machine=dict(info,
                                   load_average_at_end=os.getloadavg()[0]),
                      export_seconds=export_s,
                      parity=parity, results=rows,
                      pytorch_over_onnxruntime_latency=speedup)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    main()
