"""Which images of a dataset split are labelled, unlabelled or held out.

A split list is a text file with one image file name per line (e.g.
``IMG_119.jpg``); blank lines and lines starting with ``#`` are skipped.
The lists of the standard semi-supervised protocols ship in
``p2r_mm/datasets/splits/`` (see the README there for their origin):
``<dataset>-<pct>.txt`` name labelled images, ``<dataset>-holdout.txt`` /
``<dataset>-val.txt`` images held out for validation, disjoint from every
labelled list of the same dataset.
:func:`split_protocol` and :func:`subset_ids` choose the images from ids
alone, so the protocol is testable without a dataset.
"""
import os
import os.path as osp
from numbers import Integral
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from .load_problems import first_few, natural_key

SUBSETS = ('all', 'labeled', 'unlabeled', 'holdout')
SPLITS_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'splits')
#: How the names of shipped held-out (validation) lists end.
HOLDOUT_LIST_ENDINGS = ('-holdout.txt', '-val.txt')


def shipped_split_files() -> List[str]:
    """Names of the split lists shipped with p2r_mm, sorted."""
    return sorted(f for f in os.listdir(SPLITS_DIR) if f.endswith('.txt'))


def list_dataset(name: str) -> str:
    """The dataset a shipped list's name is for: ``'shb-5.txt'`` ->
    ``'shb'``."""
    return osp.basename(name).split('-')[0]


def shipped_holdout_files(dataset: Optional[str] = None) -> List[str]:
    """Names of the shipped held-out lists, sorted; only those of
    ``dataset`` (``'shb'``, see :func:`list_dataset`) when given."""
    return [f for f in shipped_split_files()
            if f.endswith(HOLDOUT_LIST_ENDINGS)
            and dataset in (None, list_dataset(f))]


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


def read_listed_ids(name, ids: Sequence[str], annotated: Dict[str, bool],
                    arg: str, where: str) -> Set[str]:
    """The ids a split list (shipped name or path) names; every one must be
    among ``ids`` and annotated. ``arg`` and ``where`` (the argument and the
    dataset) name the list in messages."""
    path = resolve_split_file(name)
    names = read_split_file(path)
    known = set(ids)
    unknown = [n for n in names if image_stem(n) not in known]
    if unknown:
        raise ValueError(
            f'{arg}={name!r} ({path}) names {len(unknown)} images that '
            f'are not in {where}: {first_few(unknown)}')
    stems = {image_stem(n) for n in names}
    no_gt = sorted((i for i in stems if not annotated[i]), key=natural_key)
    if no_gt:
        raise ValueError(f'{arg}={name!r} ({path}) lists images without '
                         f'an annotation: {first_few(no_gt)}')
    return stems


def drawn_holdout_overlap(holdout, seed: int, pool_size: int,
                          labeled_split, both: List[str], where: str) -> str:
    """The message for a ``holdout`` draw that hit labelled images
    (``both``), with the shipped held-out lists that could replace it."""
    path = resolve_split_file(labeled_split)
    fits = shipped_holdout_files(list_dataset(path)) if osp.dirname(
        path) == SPLITS_DIR else []
    if fits:
        hint = 'use the shipped held-out list ' + ' or '.join(
            f'holdout={f!r}' for f in fits)
    else:
        hint = ('list held-out images disjoint from it in a file and pass '
                'holdout=<path> (shipped held-out lists: '
                f'{", ".join(shipped_holdout_files())})')
    return (f'{where}: holdout={holdout!r} with seed={seed} is drawn among '
            f'all {pool_size} annotated images, whatever labeled_split is, '
            'so that every dataset of the split holds out the same images; '
            f'this draw holds out {len(both)} images that '
            f'labeled_split={labeled_split!r} ({path}) labels: '
            f'{first_few(both)}. To hold out images that are not labelled, '
            f'{hint}.')


def split_protocol(ids: Sequence[str],
                   annotated: Dict[str, bool],
                   labeled_split: Optional[str] = None,
                   labeled_ratio: Optional[float] = None,
                   holdout=None,
                   seed: int = 0,
                   where: str = 'the dataset'
                   ) -> Tuple[Set[str], Set[str]]:
    """(labelled ids, held-out ids) of a whole dataset split.

    Args:
        ids (Sequence[str]): every image id (file stem) of the split.
        annotated (dict): id -> whether the image has an annotation.
        labeled_split, labeled_ratio, holdout, seed: as the arguments of
            :class:`~p2r_mm.datasets.BaseCrowdDataset` (a split list, a
            fraction of the annotated images, a list / count / fraction of
            held-out images, the seed of the draws).
        where (str): how messages name the dataset.

    A count or fraction ``holdout`` is drawn among all annotated images
    with ``seed`` alone, so it is the same set with or without
    ``labeled_split``; a drawn or listed held-out image that
    ``labeled_split`` lists is a ``ValueError`` (as is a listed one that is
    not in ``ids``), never silently redrawn.
    """
    with_gt = [i for i in ids if annotated[i]]
    listed = None
    if labeled_split is not None:
        listed = read_listed_ids(labeled_split, ids, annotated,
                                 'labeled_split', where)
    held_out: Set[str] = set()
    if isinstance(holdout, (str, os.PathLike)):
        held_out = read_listed_ids(holdout, ids, annotated, 'holdout', where)
        both = sorted(held_out & (listed or set()), key=natural_key)
        if both:
            raise ValueError(
                f'{where}: holdout={holdout!r} '
                f'({resolve_split_file(holdout)}) lists {len(both)} images '
                f'that labeled_split={labeled_split!r} '
                f'({resolve_split_file(labeled_split)}) labels too: '
                f'{first_few(both)}; held-out images must not be labelled')
    elif holdout is not None:
        count = (int(holdout) if isinstance(holdout, Integral) else int(
            round(holdout * len(with_gt))))
        if count > len(with_gt):
            raise ValueError(f'{where}: cannot hold out {count} of the '
                             f'{len(with_gt)} annotated images')
        # Among all annotated images, whatever labeled_split is: every
        # dataset of the split (labelled, oracle, validation) and every
        # method must hold out the same images for one seed.
        held_out = set(draw_subset(with_gt, count, seed, stream=0))
        both = sorted(held_out & (listed or set()), key=natural_key)
        if both:
            raise ValueError(drawn_holdout_overlap(
                holdout, seed, len(with_gt), labeled_split, both, where))
    if listed is not None:
        labeled = listed
    elif labeled_ratio is not None:
        pool = [i for i in with_gt if i not in held_out]
        count = max(1, int(round(labeled_ratio * len(pool))))
        labeled = set(draw_subset(pool, min(count, len(pool)), seed,
                                  stream=1))
    else:
        labeled = set(with_gt) - held_out
    return labeled, held_out


def subset_ids(ids: Sequence[str], labeled: Set[str], held_out: Set[str],
               subset: str) -> Set[str]:
    """The ids a dataset with ``subset`` (one of :data:`SUBSETS`) holds:
    'labeled' and 'unlabeled' split the images that are not held out,
    'all' is both, 'holdout' the held-out ones."""
    if subset == 'holdout':
        return set(held_out)
    if subset == 'labeled':
        return labeled - held_out
    if subset == 'unlabeled':
        return set(ids) - labeled - held_out
    if subset == 'all':
        return set(ids) - held_out
    raise ValueError(f'subset must be one of {SUBSETS}, got {subset!r}')
