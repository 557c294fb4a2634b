"""Time and memory of P2RLoss against P2PLoss on crowd-sized inputs.

Every (case, loss, device) is measured in a fresh subprocess, so the peak
resident memory (RSS, from getrusage) of one measurement is not inflated by
another; it includes the interpreter, torch, SciPy and MMEngine, which
the "base RSS" column shows (the RSS before the loss runs). Times are of
forward + backward, the median of ``--runs`` runs after one warm-up (P2P:
``--p2p-runs``, it is slow).

Usage:
    python tools/analysis_tools/benchmark_loss.py [--device cpu cuda]
        [--cases sha_crops qnrf_1024 qnrf_2048 sha_pseudo]
        [--losses p2r p2p] [--json OUT.json]

The ``*_pseudo`` cases place the points on cell centres in row-major
order, as the teacher's pseudo-points are: there many cells are exactly
as far from two points, and the nearest-point search resolves those ties
(the lowest point index) with a second k-d tree query for the tied cells.

``--json`` writes the machine (with the load average at the start and the
end: a shared machine shows in it), the settings and one entry per
(case, loss, device); the loss table of docs/advanced_guides/losses.md is
rendered from that file
(``tools/misc/readme_tables.py``). ``--baseline OLD.json --baseline-label
TEXT`` copies an earlier run's P2R rows (e.g. of an earlier version of the
package, measured just before on the same machine with ``PYTHONPATH``
pointing at its checkout) into the new file, and the table gains its P2R
time and the ratio. The ``tiny`` case (not run by default) is a
seconds-long smoke test.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

# name: (batch, input height, input width, points per image)
CASES = {
    'sha_crops': (16, 256, 256, 300),
    'qnrf_1024': (1, 768, 1024, 500),
    'qnrf_2048': (1, 1536, 2048, 1300),
    'sha_pseudo': (16, 256, 256, 300),
    'qnrf_2048_pseudo': (1, 1536, 2048, 1300),
    'tiny': (2, 64, 64, 20),
}
DEFAULT_CASES = ['sha_crops', 'qnrf_1024', 'qnrf_2048']
LABELS = {
    'sha_crops': '16 x 256x256 crops, ~300 pts each',
    'qnrf_1024': '1024x768, 500 pts',
    'qnrf_2048': '2048x1536, 1300 pts',
    'sha_pseudo': '16 x 256x256 crops, ~300 pseudo-pts each',
    'qnrf_2048_pseudo': '2048x1536, 1300 pseudo-pts',
    'tiny': '2 x 64x64 crops, ~20 pts each',
}
LOSSES = ('p2r', 'p2p')
STRIDE = 4


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cases', nargs='+', default=DEFAULT_CASES,
                        choices=list(CASES))
    parser.add_argument('--device', nargs='+', default=None,
                        help='default: cpu, and cuda when available')
    parser.add_argument('--losses', nargs='+', default=list(LOSSES),
                        choices=LOSSES)
    parser.add_argument('--runs', type=int, default=7)
    parser.add_argument('--p2p-runs', type=int, default=3)
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--baseline', metavar='OLD_JSON',
                        help='an earlier --json whose P2R rows the new '
                        'file keeps for comparison')
    parser.add_argument('--baseline-label', default='baseline',
                        help='what the baseline is, for the table')
    parser.add_argument('--single', nargs=3,
                        metavar=('CASE', 'LOSS', 'DEVICE'),
                        help=argparse.SUPPRESS)  # one measurement (child)
    return parser.parse_args()


def make_inputs(case, device, seed=0):
    import torch
    batch, height, width, n = CASES[case]
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, 1, height // STRIDE, width // STRIDE,
                         generator=g)
    points = []
    for _ in range(batch):
        # "~n": crops of a crowd hold a varying number of heads.
        count = n if batch == 1 else int(n * (0.8 + 0.4 * torch.rand(
            1, generator=g).item()))
        if case.endswith('_pseudo'):
            points.append(grid_points(count, height, width, g).to(device))
        else:
            points.append(
                (torch.rand(count, 2, generator=g) *
                 torch.tensor([width, height])).to(device))
    return logits.to(device).requires_grad_(True), points


def grid_points(count, height, width, g):
    """``count`` distinct cell centres, (x, y), in row-major order: the
    layout of a teacher's pseudo-points."""
    import torch
    h, w = height // STRIDE, width // STRIDE
    cells = torch.randperm(h * w, generator=g)[:count].sort().values
    ij = torch.stack([cells // w, cells % w], dim=1)
    return (ij.flip(1) * STRIDE + (STRIDE - 1) / 2).float()


def measure_one(case, loss_name, device, runs):
    import torch

    from p2r_mm.models.losses import P2PLoss, P2RLoss
    loss_fn = dict(p2r=P2RLoss, p2p=P2PLoss)[loss_name]()
    logits, points = make_inputs(case, device)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def step():
        logits.grad = None
        loss_fn(logits, points, STRIDE).backward()
        if device == 'cuda':
            torch.cuda.synchronize()

    step()  # warm-up
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    batch, height, width, n = CASES[case]
    result = dict(
        case=case, label=LABELS[case], batch=batch, height=height,
        width=width, points=n, stride=STRIDE, loss=loss_name, device=device,
        runs=runs,
        median_s=statistics.median(times), min_s=min(times),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        base_rss_mb=base_rss)
    if device == 'cuda':
        result['peak_cuda_mb'] = torch.cuda.max_memory_allocated() / 2**20
    return result


def run_child(case, loss_name, device, runs):
    cmd = [sys.executable, os.path.abspath(__file__), '--runs', str(runs),
           '--single', case, loss_name, device]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f'{case}/{loss_name}/{device} failed:\n'
                           f'{out.stderr[-2000:]}')
    return json.loads(out.stdout.strip().splitlines()[-1])




def cell_texts(row):
    """The table's cells for one (device, case); '-' for a loss not run."""
    p2r, p2p = row.get('p2r'), row.get('p2p')
    dash = '-'
    return [
        f"{p2r['median_s'] * 1e3:.1f} ms" if p2r else dash,
        (f"{p2r['peak_rss_mb']:.0f} MB ({p2r['base_rss_mb']:.0f})"
         if p2r else dash),
        f"{p2p['median_s'] * 1e3:.0f} ms" if p2p else dash,
        f"{p2p['peak_rss_mb']:.0f} MB" if p2p else dash,
        ratio_text(p2p['median_s'] / p2r['median_s']) if p2r and p2p
        else dash,
    ]


def ratio_text(ratio):
    """``14x``; one decimal below 10 (``0.3x``)."""
    return f'{ratio:.0f}x' if ratio >= 10 else f'{ratio:.1f}x'


def main():
    args = parse_args()
    if args.single:
        case, loss_name, device = args.single
        print(json.dumps(measure_one(case, loss_name, device, args.runs)))
        return
    import torch

    from machine import describe, load_average, machine_info
    machine = machine_info()
    devices = args.device or (['cpu', 'cuda']
                              if torch.cuda.is_available() else ['cpu'])
    print(f'Machine: {describe(machine)}, load average '
          f"{machine['load_average_at_start']:.2f}")
    print(f'Stride {STRIDE}; forward + backward; median of {args.runs} runs '
          f'(P2P: {args.p2p_runs}) after a warm-up; peak RSS of a fresh '
          'process per row.\n')
    header = ('| device | case | P2R time | P2R peak RSS (base) | '
              'P2P time | P2P peak RSS | P2P / P2R |')
    print(header)
    print('|---' * (header.count('|') - 1) + '|')
    results = []
    for device in devices:
        for case in args.cases:
            row = {}
            for loss in args.losses:
                row[loss] = run_child(
                    case, loss, device,
                    args.runs if loss == 'p2r' else args.p2p_runs)
                results.append(row[loss])
            print(f'| {device} | {LABELS[case]} | ' +
                  ' | '.join(cell_texts(row)) + ' |', flush=True)
    machine['load_average_at_end'] = load_average()
    if args.json:
        out = dict(machine=machine, stride=STRIDE, runs=args.runs,
                   p2p_runs=args.p2p_runs, cases=args.cases,
                   devices=devices, results=results)
        if args.baseline:
            with open(args.baseline) as f:
                old = json.load(f)
            out['baseline'] = dict(
                label=args.baseline_label, machine=old['machine'],
                results=[r for r in old['results'] if r['loss'] == 'p2r'])
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=2)
        print(f'\nwrote {args.json}')


if __name__ == '__main__':
    main()
