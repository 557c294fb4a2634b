"""Split lists: which images of a dataset split are labelled or held out.

A split list is a text file with one image file name per line (e.g.
``IMG_119.jpg``); blank lines and lines starting with ``#`` are skipped.
The lists of the standard semi-supervised protocols ship in
``p2r_mm/datasets/splits/`` (see the README there for their origin).
"""
import os
import os.path as osp
from typing import List, Sequence

import numpy as np

SPLITS_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'splits')


def shipped_split_files() -> List[str]:
    """Names of the split lists shipped with p2r_mm, sorted."""
    return sorted(f for f in os.listdir(SPLITS_DIR) if f.endswith('.txt'))


def resolve_split_file(name_or_path: str) -> str:
    """The path of a split list given by shipped name or by path.

    A bare file name that is shipped (``'sha-5.txt'``) means the shipped
    list, even if a file of that name is in the working directory; write
    ``'./sha-5.txt'`` for a local copy. Anything else is a path.
    """
    name_or_path = os.fspath(name_or_path)
    if osp.basename(name_or_path) == name_or_path:
        shipped = osp.join(SPLITS_DIR, name_or_path)
        if osp.isfile(shipped):
            return shipped
    if osp.isfile(name_or_path):
        return name_or_path
    raise FileNotFoundError(
        f'split list {name_or_path!r} is neither a file nor a shipped list; '
        f'shipped: {", ".join(shipped_split_files())}')


def read_split_file(path: str) -> List[str]:
    """The image file names listed in ``path``, in file order.

    A name listed twice is an error: the list would describe fewer images
    than it has lines, which would silently change a protocol's ratio.
    """
    with open(path, encoding='utf-8') as f:
        names = [line.strip() for line in f]
    names = [n for n in names if n and not n.startswith('#')]
    seen, repeated = set(), []
    for name in names:
        if name in seen:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ValueError(f'{path}: lists {len(repeated)} names more than '
                         f'once, e.g. {repeated[:5]}')
    return names


def image_stem(name: str) -> str:
    """The image id a listed name refers to: its file name without folder
    or extension (``'train/IMG_5.jpg'`` -> ``'IMG_5'``)."""
    return osp.splitext(osp.basename(name.replace('\\', '/')))[0]


def draw_subset(ids: Sequence[str], count: int, seed: int,
                stream: int) -> List[str]:
    """``count`` of ``ids`` drawn without replacement, deterministically.

    The result depends only on the *set* of ids, ``seed`` and ``stream``
    (ids are sorted first), not on file-system listing order. Different
    ``stream`` values give independent draws from one user-facing seed.
    """
    if not 0 <= count <= len(ids):
        raise ValueError(f'cannot draw {count} of {len(ids)} images')
    pool = sorted(ids)
    rng = np.random.default_rng([seed, stream])
    picked = rng.permutation(len(pool))[:count]
    return [pool[i] for i in sorted(picked)]
