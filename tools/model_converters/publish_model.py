"""Publish a trained counter as a shipped model: its weights alone and a
config that holds only what inference needs.

Usage (from the repository root, so that the files land in the package):
    python tools/model_converters/publish_model.py CONFIG CHECKPOINT
        --name NAME [--out-dir p2r_mm/weights] [--trust-checkpoint]

Writes ``OUT_DIR/NAME.py`` (the model, with no initialisation to run: the
weights hold every parameter, and the config's test pipeline) and
``OUT_DIR/NAME-<sha256[:8]>.pth`` (``{'state_dict', 'meta'}``: float
tensors and plain data, loadable with ``weights_only=True``; the optimiser,
message hub and schedulers of a training checkpoint are dropped). The
checkpoint of a semi-supervised model gives the weights of the counter
that predicts (``semi_test_cfg.predict_on``), published as a plain
counter. ``p2r_mm.apis.init_counter(NAME)`` and the demos load the result
from ``p2r_mm/weights/``.
"""
import argparse
import copy
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--name', required=True,
                        help='the model name (letters, digits, _ and .)')
    parser.add_argument('--out-dir', default='p2r_mm/weights')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow checkpoints that need more than plain '
                        'data to load (only for files you trust)')
    return parser.parse_args(argv)


def inference_config(cfg: Config) -> Config:
    """The model (the predicting counter, without init_cfg) and the test
    pipeline of ``cfg``: nothing that points at data, work dirs or
    pretrained files."""
    from p2r_mm.apis import counter_config
    counter = copy.deepcopy(counter_config(cfg.model)).to_dict()
    counter.pop('init_cfg', None)
    if isinstance(counter.get('backbone'), dict):
        counter['backbone'].pop('init_cfg', None)
    dataset = cfg.test_dataloader.dataset
    if 'pipeline' not in dataset and 'datasets' in dataset:
        dataset = dataset.datasets[0]
    return Config(dict(
        default_scope=cfg.get('default_scope', 'p2r_mm'), model=counter,
        test_dataloader=dict(dataset=dict(pipeline=dataset.pipeline))))


def counter_weights(state_dict: dict, cfg: Config) -> dict:
    """The predicting counter's weights: a semi-supervised model's
    ``student.`` / ``teacher.`` ones with the prefix removed."""
    if 'counter' not in cfg.model:
        return state_dict
    which = cfg.model.get('semi_test_cfg', {}).get('predict_on', 'student')
    prefix = f'{which}.'
    return {k[len(prefix):]: v for k, v in state_dict.items()
            if k.startswith(prefix)}


def main(argv=None):
    args = parse_args(argv)
    from p2r_mm.apis.shipped import WEIGHTS_NAME, file_sha256
    from p2r_mm.utils import (TRUST_ENV, load_checkpoint_file,
                              safe_checkpoint_loading)
    if not WEIGHTS_NAME.match(f'{args.name}-00000000.pth'):
        sys.exit(f'publish_model.py: error: --name {args.name!r}: use '
                 'letters, digits, _ and .')
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'
    cfg = Config.fromfile(args.config)
    with safe_checkpoint_loading():  # a training checkpoint's HistoryBuffer
        ckpt = load_checkpoint_file(args.checkpoint)
    state = ckpt.get('state_dict', ckpt)
    weights = {k: v.detach().cpu().contiguous()
               for k, v in counter_weights(state, cfg).items()}
    if not weights:
        sys.exit(f'publish_model.py: error: {args.checkpoint}: no weights '
                 'of the predicting counter')
    meta = dict(config=osp.basename(args.config),
                checkpoint=osp.basename(args.checkpoint),
                epoch=(ckpt.get('meta') or {}).get('epoch'))
    os.makedirs(args.out_dir, exist_ok=True)
    tmp = osp.join(args.out_dir, f'{args.name}.pth.tmp')
    torch.save(dict(state_dict=weights, meta=meta), tmp)
    final = osp.join(args.out_dir,
                     f'{args.name}-{file_sha256(tmp)[:8]}.pth')
    os.replace(tmp, final)
    # A name has one weights file: an earlier publication of it goes.
    for old in os.listdir(args.out_dir):
        m = WEIGHTS_NAME.match(old)
        if m and m['name'] == args.name and old != osp.basename(final):
            os.remove(osp.join(args.out_dir, old))
    inference_config(cfg).dump(osp.join(args.out_dir, f'{args.name}.py'))
    size = osp.getsize(final) / 2**20
    print(f'{final} ({size:.2f} MiB, {len(weights)} tensors) and '
          f'{osp.join(args.out_dir, args.name + ".py")}')


if __name__ == '__main__':
    main()
