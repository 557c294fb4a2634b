"""Check a config's data before a long run: decode every image completely,
check every annotation and split list, and summarise.

    python tools/misc/verify_dataset.py CONFIG [--split train val test]

Builds each split's dataset as training would (which parses and checks
every annotation and the split lists), then reads and decodes every image
with the training loader's checks (complete JPEG / PNG data, the size the
header gave, points inside the decoded image). Prints a table per split
(images, annotated images, points, min / median / max count and image
size) and every problem by file; exits with status 1 if there is any.
"""
import argparse
import copy
import logging
import sys
from typing import Dict, List

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from p2r_mm.datasets import BaseCrowdDataset
from p2r_mm.datasets.transforms import LoadCrowdAnnotations, LoadCrowdImage
from p2r_mm.registry import DATASETS

SPLITS = ('train', 'val', 'test')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Decode every image and check every annotation of a '
        'config\'s datasets')
    parser.add_argument('config')
    parser.add_argument('--split', nargs='+', choices=SPLITS,
                        default=list(SPLITS),
                        help='which dataloaders to check (default: all)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def crowd_datasets(dataset) -> List[BaseCrowdDataset]:
    """The crowd datasets inside wrappers (Concat, Repeat, SemiCrowd)."""
    if isinstance(dataset, BaseCrowdDataset):
        return [dataset]
    found = []
    for inner in getattr(dataset, 'datasets', None) or []:
        found += crowd_datasets(inner)
    if getattr(dataset, 'dataset', None) is not None:
        found += crowd_datasets(dataset.dataset)
    return found


def image_loader(dataset: BaseCrowdDataset) -> LoadCrowdImage:
    """The pipeline's own image loader (same backend and flags), else the
    default one."""
    for transform in getattr(dataset.pipeline, 'transforms', []):
        if isinstance(transform, LoadCrowdImage):
            loader = copy.copy(transform)
            loader.ignore_empty = False
            return loader
    return LoadCrowdImage()


def collect_images(datasets) -> Dict[str, tuple]:
    """``img_path -> (data_info, image loader)``, once per image; an image
    in several parts keeps the part that carries its annotation."""
    images = {}
    for dataset in datasets:
        dataset.full_init()
        loader = image_loader(dataset)
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            known = images.get(info['img_path'])
            if known is None or (info.get('has_gt') and
                                 not known[0].get('has_gt')):
                images[info['img_path']] = (info, loader)
    return images


def check_image(info: dict, loader: LoadCrowdImage) -> dict:
    """Read, fully decode and check one image and its points as the
    training pipeline's first steps do; returns their results."""
    results = loader(copy.deepcopy(info))
    if results is None:
        raise ValueError('the image loader returned nothing')
    return LoadCrowdAnnotations()(results)


def spread(values) -> str:
    """'min / median / max' of some numbers, or '-'."""
    if not len(values):
        return '-'
    return ' / '.join(f'{v:g}' for v in (np.min(values), np.median(values),
                                          np.max(values)))


def print_table(rows: List[List[str]]) -> None:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for k, row in enumerate(rows):
        print('  '.join(cell.ljust(w) for cell, w in zip(row, widths)))
        if k == 0:
            print('  '.join('-' * w for w in widths))


class WarningLog(logging.Handler):
    """The warnings the datasets report while they load."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: List[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def main() -> int:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'p2r_mm'))
    # The datasets' warnings go to the report, not between progress bars.
    logger = MMLogger.get_instance('verify_dataset', log_level='ERROR')
    warnings = WarningLog()
    logger.addHandler(warnings)

    problems: List[str] = []
    splits = {}  # split -> (description, images) or None (same as before)
    seen_cfgs = {}
    for split in dict.fromkeys(args.split):
        loader_cfg = cfg.get(f'{split}_dataloader')
        if not loader_cfg:
            print(f'{split}: the config has no {split}_dataloader; skipped')
            continue
        key = repr(loader_cfg.dataset)
        if key in seen_cfgs:
            splits[split] = seen_cfgs[key]
            continue
        try:
            datasets = crowd_datasets(DATASETS.build(loader_cfg.dataset))
            if not datasets:
                raise ValueError('no crowd dataset in it')
            found = collect_images(datasets)
        except Exception as e:
            problems.append(f'[{split}] the dataset cannot be built: '
                            f'{type(e).__name__}: {e}')
            splits[split] = None
            seen_cfgs[key] = split
            continue
        splits[split] = (', '.join(d.describe() for d in datasets), found)
        seen_cfgs[key] = split

    total = sum(len(s[1]) for s in splits.values() if isinstance(s, tuple))
    bar = ProgressBar(total) if total else None
    rows = [['split', 'images', 'annotated', 'points', 'count min/med/max',
             'width min/med/max', 'height min/med/max', 'problems']]
    for split, entry in splits.items():
        if isinstance(entry, str) or entry is None:
            same = (f'same dataset as {entry}' if isinstance(entry, str)
                    else 'not built')
            rows.append([split, same] + [''] * 5 +
                        ['' if isinstance(entry, str) else '1'])
            continue
        _, images = entry
        # Statistics of the dataset as annotated (sizes from the headers);
        # the decoding is what finds the problems.
        counts = [len(info['gt_points']) for info, _ in images.values()
                  if info.get('has_gt', True)]
        widths = [info['width'] for info, _ in images.values()]
        heights = [info['height'] for info, _ in images.values()]
        bad = 0
        for path, (info, loader) in images.items():
            try:
                check_image(info, loader)
            except Exception as e:
                problems.append(f'[{split}] {path}: {type(e).__name__}: {e}')
                bad += 1
            if bar is not None:
                bar.update()
        rows.append([
            split, str(len(images)), str(len(counts)),
            str(int(sum(counts))), spread(counts), spread(widths),
            spread(heights), str(bad)
        ])
    if bar is not None:
        print()
    print(f'\n{args.config}')
    for split, entry in splits.items():
        if isinstance(entry, tuple):
            print(f'  {split}: {entry[0]}')
    print()
    print_table(rows)
    if warnings.messages:
        print(f'\nWarnings ({len(warnings.messages)}):')
        for message in warnings.messages:
            print(f'  {message}')
    if problems:
        print(f'\nProblems ({len(problems)}):')
        for problem in problems:
            print(f'  {problem}')
        return 1
    print('\nNo problems found.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
