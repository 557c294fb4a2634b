"""Export a trained counter's logit map to ONNX, and check it.

python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT OUT.onnx
    [--shape H W] [--dynamic]

The graph is the counter's 'tensor' forward: input ``inputs`` (B, 3, H, W)
float32, normalised as the config's data preprocessor does (BGR -> RGB,
mean/std), H and W multiples of 32; output ``logits`` (B, 1, H/4, W/4).
Batch, height and width are dynamic unless ``--shape`` is given alone
(then the graph takes only 1 x 3 x H x W; ``--shape H W --dynamic`` only
sets the example size the exporter traces). A semi-supervised checkpoint
exports the counter its ``semi_test_cfg.predict_on`` names.

Before it exits, the tool runs the file in onnxruntime (the backend of
``init_counter(CONFIG, OUT.onnx)``) and PyTorch on three image sizes and
prints the largest logit difference and both counts; it fails (exit 1)
unless every difference is <= 1e-4 and every count is identical.

Needs the deploy extra: pip install -e ".[deploy]".
"""
import argparse
import os
import os.path as osp
import sys
import tempfile

TOLERANCE = 1e-4
# (batch, H, W): three sizes and aspect ratios, one batch of two.
DYNAMIC_CHECKS = ((2, 256, 256), (1, 320, 480), (1, 512, 384))
DEFAULT_TRACE_SHAPE = (256, 320)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export a counter to ONNX and check it against PyTorch')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (.pth)')
    parser.add_argument('out', help='output ONNX file (.onnx)')
    parser.add_argument(
        '--shape', nargs=2, type=int, metavar=('H', 'W'),
        help='fixed input size (multiples of 32); with --dynamic, only '
        'the size traced')
    parser.add_argument(
        '--dynamic', action='store_true',
        help='dynamic batch/height/width even with --shape (the default '
        'without it)')
    parser.add_argument('--opset', type=int, default=18,
                        help='ONNX opset (default: 18)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace OUT if it exists')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow checkpoints that need more than plain data to load '
        '(arbitrary code execution: only for files you trust)')
    args = parser.parse_args()
    if not args.out.endswith('.onnx'):
        parser.error(f'OUT must end in .onnx, got {args.out!r}')
    if args.shape is not None and any(v <= 0 or v % 32 for v in args.shape):
        parser.error(f'--shape must be positive multiples of 32, got '
                     f'{args.shape[0]} {args.shape[1]}')
    args.dynamic = args.dynamic or args.shape is None
    return args


def fail(message: str):
    raise SystemExit(f'pytorch2onnx.py: error: {message}')


def predicting_counter(model):
    """(the PointCounter that predicts, how it was chosen)."""
    if hasattr(model, 'semi_test_cfg'):
        which = model.semi_test_cfg.get('predict_on', 'student')
        return model.predictor, \
            f'the {which} (semi_test_cfg.predict_on)'
    return model, 'the counter'


def export(counter, out: str, shape, dynamic: bool, opset: int) -> None:
    """Write ``counter``'s 'tensor' forward to ``out`` with torch's
    (torch.export-based) ONNX exporter."""
    import torch
    from torch.export import Dim

    from p2r_mm.apis.onnx_counter import INPUT_NAME, OUTPUT_NAME
    # A traced batch of 1 would be specialised to a constant.
    example = torch.zeros(2 if dynamic else 1, 3, *shape)
    dynamic_shapes = None
    if dynamic:
        # Sizes are multiples of 32 (the data preprocessor pads to them).
        dynamic_shapes = ({
            0: Dim('batch', min=1, max=1024),
            2: 32 * Dim('height_div_32', min=1, max=1024),
            3: 32 * Dim('width_div_32', min=1, max=1024)
        }, )
    with torch.no_grad():
        torch.onnx.export(
            counter, (example, ), out, dynamo=True,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_shapes=dynamic_shapes, opset_version=opset,
            external_data=False)


def add_metadata(out: str, metadata: dict) -> None:
    """Write ``metadata`` into the file's metadata_props, then validate
    the model with onnx's checker."""
    from p2r_mm.apis.deploy_extra import import_deploy_package
    onnx = import_deploy_package('onnx', 'ONNX export')
    model = onnx.load(out)
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.checker.check_model(model)
    onnx.save(model, out)


def parity_inputs(counter, batch: int, height: int, width: int, seed: int):
    """Normalised (batch, 3, H, W) inputs from seeded smooth random images
    (coarse colour blobs plus pixel noise, uint8 BGR), through the
    counter's own data preprocessor."""
    import cv2
    import numpy as np
    import torch
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(batch):
        coarse = rng.uniform(0, 255, (height // 16, width // 16, 3))
        img = cv2.resize(coarse, (width, height),
                         interpolation=cv2.INTER_CUBIC)
        img = np.clip(img + rng.normal(0, 20, img.shape), 0, 255)
        images.append(torch.from_numpy(
            img.astype(np.uint8).transpose(2, 0, 1).copy()))
    return counter.data_preprocessor(dict(inputs=images), False)['inputs']


def check_parity(counter, onnx_counter, checks) -> bool:
    """Compare PyTorch and onnxruntime logits and counts; print a line per
    check. True if all are within TOLERANCE with equal counts."""
    import torch
    thr = counter.head.logit_thr
    all_ok = True
    for seed, (batch, height, width) in enumerate(checks):
        inputs = parity_inputs(counter, batch, height, width, seed)
        with torch.no_grad():
            expected = counter(inputs, mode='tensor')
        got = onnx_counter(inputs, mode='tensor')
        diff = float((expected - got).abs().max())
        counts = [int((x > thr).sum()) for x in (expected, got)]
        ok = diff <= TOLERANCE and counts[0] == counts[1]
        all_ok &= ok
        print(f'  {batch} x {height}x{width}: max |logit difference| '
              f'{diff:.2e} (<= {TOLERANCE:g}), count pytorch {counts[0]} '
              f'/ onnxruntime {counts[1]}: {"ok" if ok else "FAILED"}')
    return all_ok


def main():
    args = parse_args()
    if osp.exists(args.out) and not args.overwrite:
        fail(f'{args.out!r} already exists; pass --overwrite to replace it')
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            fail(f'no such file: {path!r}')
    # Heavy imports after the checks, so a refused run answers at once.
    from p2r_mm.apis import INIT_COUNTER_ERRORS, init_counter
    from p2r_mm.apis.deploy_extra import import_deploy_package
    from p2r_mm.apis.onnx_counter import STRIDE_KEY
    from p2r_mm.utils import TRUST_ENV
    from p2r_mm.version import __version__
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'
    try:
        # The extra, before minutes of work.
        for name in ('onnx', 'onnxscript', 'onnxruntime'):
            import_deploy_package(name, 'ONNX export')
    except ImportError as e:
        fail(str(e))

    try:
        model = init_counter(args.config, args.checkpoint, device='cpu')
    except INIT_COUNTER_ERRORS as e:
        fail(str(e))
    counter, chosen = predicting_counter(model)
    shape = tuple(args.shape or DEFAULT_TRACE_SHAPE)
    kind = 'dynamic batch/height/width' if args.dynamic else \
        f'fixed 1x3x{shape[0]}x{shape[1]}'
    print(f'exporting {chosen} of {args.checkpoint} ({kind}) to {args.out}')
    folder = osp.dirname(osp.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    # Exported and checked under a hidden name, renamed only once it
    # passes: a failed or interrupted export never leaves a loadable
    # .onnx under the final name, nor replaces a good one.
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(args.out)}.',
                               suffix='.onnx', dir=folder)
    os.close(fd)
    try:
        export(counter, tmp, shape, args.dynamic, args.opset)
        add_metadata(
            tmp, {
                STRIDE_KEY: counter.stride,
                'p2r_mm.version': __version__,
                'p2r_mm.config': osp.basename(args.config),
                'p2r_mm.checkpoint': osp.basename(args.checkpoint),
                'p2r_mm.exported': chosen,
            })
        checks = DYNAMIC_CHECKS if args.dynamic else ((1, *shape), ) * 3
        print('checking onnxruntime against PyTorch:')
        onnx_counter = init_counter(args.config, tmp)
        if not check_parity(counter, onnx_counter, checks):
            fail('parity check FAILED: the exported graph does not '
                 'reproduce the PyTorch model within tolerance; '
                 f'{args.out!r} was not written')
        os.replace(tmp, args.out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    print(f'parity ok; wrote {args.out} '
          f'({osp.getsize(args.out) / 2**20:.1f} MiB)')
    sys.stdout.flush()


if __name__ == '__main__':
    main()
