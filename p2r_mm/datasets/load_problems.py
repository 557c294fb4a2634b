"""What a dataset load found wrong, and how messages name files.

Per-file findings are collected during a load and reported once each
(one warning for all clipped points, not one per file), so a large dataset
with a few bad files gives a short, complete message.
"""
import logging
import os.path as osp
import re
from typing import List, Tuple

from mmengine.logging import print_log

_SHOW = 5  # how many offending files a message names


def natural_key(path: str):
    """Sort key that puts IMG_2 before IMG_10."""
    return [int(t) if t.isdigit() else t
            for t in re.split(r'(\d+)', osp.basename(path))]


def first_few(items, n=_SHOW) -> str:
    """The first ``n`` items for a message, with the total if cut."""
    shown = ', '.join(str(i) for i in items[:n])
    return shown + (f', ... ({len(items)} in all)' if len(items) > n else '')


def warn(message: str) -> None:
    print_log(message, logger='current', level=logging.WARNING)


class LoadProblems:
    """Per-file findings of one load, reported once each.

    Attributes:
        outside: (annotation file, points outside their image, largest
            distance outside in pixels) per file.
        exif: images that carry an EXIF rotation.
        notes: the annotation parsers' own warnings.
    """

    def __init__(self):
        self.outside: List[Tuple[str, int, float]] = []
        self.exif: List[str] = []
        self.notes: List[str] = []

    def report(self, where: str, out_of_image: str) -> None:
        """Warn about everything found (raise for points outside their
        image when ``out_of_image='error'``); ``where`` names the dataset.
        """
        if self.outside:
            total = sum(n for _, n, _ in self.outside)
            worst = max(d for _, _, d in self.outside)
            files = [f'{f} ({n}, up to {d:.1f} px)'
                     for f, n, d in self.outside]
            found = (f'{where}: {total} points in {len(self.outside)} '
                     'annotation files lie outside their image (on the '
                     'pixel grid: 0 <= x <= width-1, 0 <= y <= height-1; '
                     f'at most {worst:.1f} px off): {first_few(files)}')
            if out_of_image == 'error':
                raise ValueError(f"{found}. Pass out_of_image='clip' or "
                                 "'drop' to accept them")
            action = ('clipped to the border' if out_of_image == 'clip' else
                      'dropped')
            warn(f'{found}; {action} (out_of_image={out_of_image!r})')
        if self.exif:
            warn(f'{where}: {len(self.exif)} images carry an EXIF rotation; '
                 'points refer to the stored pixel grid, so decode them '
                 "without applying it (mmcv color_type='color_ignore_"
                 f"orientation'): {first_few(self.exif)}")
        if self.notes:
            warn(f'{where}: {len(self.notes)} annotation files are '
                 f'inconsistent: {first_few(self.notes)}')
