"""Convert a checkpoint of the official P2R code (Elin24/P2RLoss) to p2r_mm.

    python tools/model_converters/official_p2r_to_p2r_mm.py SRC DST

SRC is what the official ``main.py`` saves: ``{'teacher': state_dict,
'student': state_dict, 'max_accuracy': ..., ...}`` of its ``VGG16_BN``
network (``models/vgg16bn.py``). DST holds ``state_dict`` for the
``SemiPointCounter`` of ``configs/p2r/*.py`` (student <- student, teacher <-
teacher), so that

    python tools/test.py configs/p2r/sha_5pct.py DST

evaluates it and ``init_counter(config, DST)`` predicts with it.
"""
import argparse
import os
import os.path as osp
import pickle
import re
import sys
from collections import OrderedDict
from typing import Dict, Tuple

import torch

# conv4_3 ends the first official encoder (torchvision vgg16_bn.features
# [0:33]); the second is features[33:43] (pool4 + conv5), which p2r_mm's
# VGG16BN numbers on from 33.
SECOND_ENCODER_OFFSET = 33
# Official module -> p2r_mm module (the parameter names below stay).
RENAMES: Tuple[Tuple[str, str], ...] = (
    ('fuse_layer.align_layers.0.', 'neck.lateral_fine.'),
    ('fuse_layer.align_layers.1.', 'neck.lateral_coarse.'),
    ('fuse_layer.fuse.0.', 'neck.fuse.'),
    ('decoders.0.0.', 'head.convs.0.'),
    ('decoders.1.0.', 'head.convs.2.'),
    ('decoders.2.', 'head.cls.'),
)
_ENCODER = re.compile(r'^encoders\.([01])\.(\d+)\.(.+)$')


def convert_network(state: Dict[str, torch.Tensor],
                    where: str) -> 'OrderedDict[str, torch.Tensor]':
    """One official ``VGG16_BN`` state dict -> p2r_mm ``PointCounter`` keys.

    Raises ``ValueError`` naming ``where`` and the keys it cannot place.
    """
    out, unknown = OrderedDict(), []
    for key, value in state.items():
        if key.startswith('module.'):  # saved from a DataParallel wrapper
            key = key[len('module.'):]
        match = _ENCODER.match(key)
        if match:
            encoder, index, name = match.groups()
            index = int(index) + (SECOND_ENCODER_OFFSET if encoder == '1'
                                  else 0)
            out[f'backbone.features.{index}.{name}'] = value
            continue
        for old, new in RENAMES:
            if key.startswith(old):
                out[new + key[len(old):]] = value
                break
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(
            f'{where}: {len(unknown)} keys are not of the official P2R '
            f'VGG16_BN network: {", ".join(unknown[:5])}'
            + (' ...' if len(unknown) > 5 else ''))
    return out


def convert_checkpoint(checkpoint, src: str) -> dict:
    """The official checkpoint dict -> ``{'state_dict': ..., 'meta': ...}``
    of a ``SemiPointCounter``."""
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{src}: expected a dict with "student" and '
                         f'"teacher" state dicts, found a '
                         f'{type(checkpoint).__name__}')
    missing = [k for k in ('student', 'teacher') if k not in checkpoint]
    if missing or not all(isinstance(checkpoint[k], dict)
                          for k in ('student', 'teacher')):
        found = ', '.join(map(str, list(checkpoint)[:8])) or 'nothing'
        hint = (' (this looks like a p2r_mm / MMEngine checkpoint already)'
                if 'state_dict' in checkpoint else '')
        raise ValueError(
            f'{src}: not a checkpoint of the official P2R code, which holds '
            f'"student" and "teacher" state dicts; found keys: {found}'
            + hint)
    state = OrderedDict()
    for part in ('student', 'teacher'):
        net = convert_network(checkpoint[part], f'{src} [{part}]')
        state.update((f'{part}.{k}', v) for k, v in net.items())
    meta = dict(converted_from=osp.basename(src),
                source='official P2R code (Elin24/P2RLoss)')
    accuracy = checkpoint.get('max_accuracy')
    if isinstance(accuracy, (list, tuple)) and len(accuracy) >= 2:
        # (MAE, RMSE, loss) of the checkpoint on the official test set.
        meta.update(official_mae=float(accuracy[0]),
                    official_rmse=float(accuracy[1]))
    return dict(state_dict=state, meta=meta)


def load_official(src: str, trust: bool):
    if not osp.isfile(src):
        raise FileNotFoundError(f'{src}: no such file')
    try:
        return torch.load(src, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as e:
        if not trust:
            raise ValueError(
                f'{src}: needs more than plain data to load (it may hold '
                f'the official yacs config object): {str(e).splitlines()[0]}'
                '. Pass --trust-checkpoint if you trust the file') from e
    return torch.load(src, map_location='cpu', weights_only=False)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='checkpoint of the official P2R code')
    parser.add_argument('dst', help='where to write the p2r_mm checkpoint')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='unpickle SRC fully if plain-data loading fails (runs code '
        'stored in the file: only for files you trust)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        converted = convert_checkpoint(
            load_official(args.src, args.trust_checkpoint), args.src)
    except (ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save(converted, args.dst)
    n = sum(k.startswith('student.') for k in converted['state_dict'])
    print(f'{args.dst}: student and teacher, {n} tensors each')
    return 0


if __name__ == '__main__':
    sys.exit(main())
