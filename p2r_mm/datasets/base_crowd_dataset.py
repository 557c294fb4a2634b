"""What every point-annotated crowd dataset shares: labelled / unlabelled /
held-out subsets (chosen by :func:`~p2r_mm.datasets.splits.split_protocol`),
the out-of-image policy, validation and the errors (collected in
:class:`~p2r_mm.datasets.load_problems.LoadProblems`).

A subclass only says how its archive pairs images with annotations
(:meth:`BaseCrowdDataset.list_samples`) and how to read one annotation
(:meth:`BaseCrowdDataset.parse_annotation`).
"""
import os
import os.path as osp
from numbers import Integral, Real
from typing import List, Optional, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from .annotation_io import image_header
from .load_problems import LoadProblems, first_few, natural_key
from .point_checks import (OUT_OF_IMAGE_POLICIES, apply_out_of_image,
                           as_xy_array)
from .sample_replacement import prepare_or_replace
from .splits import SUBSETS, image_stem, split_protocol, subset_ids

TRY_WITHOUT_DATA = ('To try p2r_mm without downloading anything, use '
                    "type='SyntheticCrowdDataset': it generates its crowds "
                    'on first use.')


class BaseCrowdDataset(BaseDataset):
    """Images with (x, y) head points, split for semi-supervised training.

    ``data_list`` entries (see :meth:`load_data_list`):

    - ``img_path`` (str), ``img_id`` (str, file stem, e.g. ``'IMG_12'``),
      ``width``, ``height`` (int, pixels, from the image header);
    - ``gt_points``: float32 (N, 2), (x, y) in pixels of the original image,
      pixel (i, j) centred at x=j, y=i; (0, 2) when there are none or the
      annotation is absent / withheld;
    - ``gt_head_sizes``: float32 (N, 2), head box (w, h) in pixels, row k
      belongs to point k; only for datasets with boxes (JHU-Crowd++,
      NWPU-Crowd);
    - ``has_gt`` (bool): ``gt_points`` is the image's annotation. False
      when the image has none (NWPU-Crowd test split, unannotated custom
      images) or it is withheld because the image is unlabelled
      (``hide_unlabeled_gt``); then ``gt_points`` is empty and must not be
      read as "no heads";
    - ``labeled`` (bool): the annotation may be used: the image is in the
      labelled set, or held out for validation, or no protocol is set.

    Args:
        data_root (str): the folder the archive was extracted to.
        labeled_split (str, optional): split list of the labelled images, a
            shipped name (``'sha-5.txt'``, see ``p2r_mm/datasets/splits``)
            or a path. Every other image of the split is unlabelled.
        labeled_ratio (float, optional): instead of a list, label this
            fraction (0, 1] of the annotated, not held-out images, drawn
            with ``seed``. Neither given: every annotated image is labelled.
        subset (str): which images the dataset holds: ``'all'``,
            ``'labeled'``, ``'unlabeled'`` (both exclude held-out images;
            so does ``'all'``) or ``'holdout'`` (only the held-out ones).
        holdout (str | int | float, optional): images held out of training
            for validation / checkpoint selection: a split list (shipped
            name or path, resolved like ``labeled_split``, e.g.
            ``'shb-holdout.txt'``, ``'nwpu-val.txt'``), a count (``120``)
            or a fraction of the split's annotated images (``0.1``). A
            count or fraction is drawn with ``seed`` among *all* annotated
            images, so the labelled, unlabelled and validation datasets of
            every method hold out the same images whatever their
            ``labeled_split``; held-out images that ``labeled_split`` lists
            (drawn or listed) and listed ones missing from the split are a
            ``ValueError`` naming the lists.
        seed (int): seed of the ``labeled_ratio`` and ``holdout`` draws;
            the draws are independent and do not depend on listing order.
        out_of_image (str): points off the pixel grid
            (``x < 0``, ``x > width-1``, same for y): ``'clip'`` (default)
            moves them onto the border, keeping the published count the
            benchmarks are scored on; ``'drop'`` removes them; ``'error'``
            raises. Clipped or dropped points are reported in one warning.
        hide_unlabeled_gt (bool): give unlabelled images no points
            (``has_gt=False``), so no pipeline can train on them by mistake.
            False keeps them, e.g. to measure pseudo-label quality.
        allow_unannotated (bool): accept images without an annotation as
            images without ground truth (``has_gt=False``) instead of
            raising.
        **kwargs: passed to :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``test_mode``, ``lazy_init``, ``serialize_data``,
            ``indices``, ``metainfo``, ...).
    """

    METAINFO = dict(classes=('person',), dataset_name='crowd')
    #: The archive's layout and where to get it, for "not found" errors.
    LAYOUT = ''
    SOURCE = ''
    #: Whether annotations have head boxes (data_info['gt_head_sizes']).
    HAS_HEAD_SIZES = False
    #: Whether the dataset makes its own data (then "get it" hints are moot).
    GENERATES_DATA = False
    #: The archive's splits, for datasets that take ``split``.
    SPLITS: Tuple[str, ...] = ()

    def __init__(self,
                 data_root: str = '',
                 labeled_split: Optional[str] = None,
                 labeled_ratio: Optional[float] = None,
                 subset: str = 'all',
                 holdout=None,
                 seed: int = 0,
                 out_of_image: str = 'clip',
                 hide_unlabeled_gt: bool = True,
                 allow_unannotated: bool = False,
                 **kwargs):
        name = type(self).__name__
        if subset not in SUBSETS:
            raise ValueError(f'{name}: subset must be one of {SUBSETS}, '
                             f'got {subset!r}')
        if subset == 'holdout' and holdout is None:
            raise ValueError(f"{name}: subset='holdout' needs holdout=")
        if labeled_split is not None and labeled_ratio is not None:
            raise ValueError(f'{name}: give labeled_split or labeled_ratio, '
                             'not both')
        if labeled_ratio is not None and not 0 < labeled_ratio <= 1:
            raise ValueError(f'{name}: labeled_ratio must be in (0, 1], got '
                             f'{labeled_ratio}')
        if isinstance(holdout, bool) or not (
                holdout is None or isinstance(holdout, (str, os.PathLike))
                or (isinstance(holdout, Integral) and holdout >= 0)
                or (isinstance(holdout, Real) and 0 < holdout < 1)):
            raise ValueError(f'{name}: holdout must be a split list, a count '
                             f'or a fraction in (0, 1), got {holdout!r}')
        if not isinstance(seed, Integral) or seed < 0:
            raise ValueError(f'{name}: seed must be an int >= 0, got {seed!r}')
        if out_of_image not in OUT_OF_IMAGE_POLICIES:
            raise ValueError(f'{name}: out_of_image must be one of '
                             f'{OUT_OF_IMAGE_POLICIES}, got {out_of_image!r}')
        if not data_root:
            raise ValueError(f'{name}: data_root is required')
        data_root = os.fspath(data_root)
        self.labeled_split = labeled_split
        self.labeled_ratio = labeled_ratio
        self.subset = subset
        self.holdout = holdout
        self.seed = int(seed)
        self.out_of_image = out_of_image
        self.hide_unlabeled_gt = hide_unlabeled_gt
        self.allow_unannotated = allow_unannotated
        super().__init__(data_root=data_root, **kwargs)

    # ------------------------------------------------ for subclasses
    def list_samples(self) -> List[Tuple[str, str]]:
        """Every (image path, annotation reference) pair of the split.

        The reference names where the image's annotation is (a file path
        for most formats); it appears in messages as is. Raise
        ``FileNotFoundError`` (see :meth:`find_images`) when the split's
        folders are missing.
        """
        raise NotImplementedError

    def annotation_exists(self, ann_ref: str) -> bool:
        return osp.isfile(ann_ref)

    def parse_annotation(self, ann_ref: str) -> dict:
        """Read one annotation: ``dict(points=..., head_sizes=...)``.

        Values may be anything :func:`as_xy_array` accepts (validated by the
        caller); ``head_sizes`` only when ``HAS_HEAD_SIZES``. An optional
        ``warning`` (str) is reported with the dataset's other warnings.
        """
        raise NotImplementedError

    def describe(self) -> str:
        """How messages name this dataset."""
        split = getattr(self, 'split', None)
        split = f', split={split!r}' if split is not None else ''
        return f'{type(self).__name__}(data_root={self.data_root!r}{split})'

    def find_images(self, folder: str, suffixes=('.jpg', )) -> List[str]:
        """Image files directly in ``folder``, naturally sorted, or a
        ``FileNotFoundError`` showing the expected layout."""
        files = []
        if osp.isdir(folder):
            files = [osp.join(folder, f) for f in os.listdir(folder)
                     if f.lower().endswith(tuple(suffixes))]
        if files:
            return sorted(files, key=natural_key)
        ends = suffixes[0] if len(suffixes) == 1 else \
            '{' + ','.join(suffixes) + '}'
        pattern = osp.join(folder, '*' + ends)
        self.raise_not_found(
            f'no images found: expected {pattern}' +
            ('' if osp.isdir(folder) else ' (the folder does not exist)'))

    def set_split(self, split: str) -> None:
        """Keep ``split`` after checking it is one of ``SPLITS``."""
        if split not in self.SPLITS:
            raise ValueError(f'{type(self).__name__}: split must be one of '
                             f'{tuple(self.SPLITS)}, got {split!r}')
        self.split = split

    def raise_not_found(self, problem: str):
        root = self.data_root
        lines = [f'{self.describe()}: {problem}.']
        if not osp.isdir(root):
            lines.append(f'data_root {root!r} does not exist.')
        if self.LAYOUT:
            layout = self.LAYOUT.format(
                root=root.rstrip('/'), split=getattr(self, 'split', ''))
            lines.append('Expected layout:\n' + layout.rstrip())
        if self.SOURCE:
            lines.append(self.SOURCE)
        if not self.GENERATES_DATA:
            lines.append(TRY_WITHOUT_DATA)
        raise FileNotFoundError('\n'.join(lines))

    # ------------------------------------------------ samples
    def __getitem__(self, idx: int) -> dict:
        """The ``idx``-th sample after the pipeline.

        In ``test_mode`` a sample that fails raises (a test image that
        cannot be loaded must not become a silently wrong count). In
        training, a sample whose image is missing, unreadable or damaged
        is replaced by a random other one and the failure recorded for
        ``BadSampleLimitHook`` (the protocol:
        :mod:`~p2r_mm.datasets.sample_replacement`).
        """
        if self.test_mode:
            return super().__getitem__(idx)
        if not self._fully_initialized:
            self.full_init()
        return prepare_or_replace(self, idx)

    # ------------------------------------------------ loading
    def load_data_list(self) -> List[dict]:
        samples = self.list_samples()
        ids = [image_stem(p) for p, _ in samples]
        if len(set(ids)) != len(ids):
            # e.g. a.jpg and a.png: split lists could not tell them apart.
            first_path = dict(zip(ids[::-1], [p for p, _ in samples][::-1]))
            dup = [p for (p, _), i in zip(samples, ids)
                   if first_path[i] != p]
            raise ValueError(f'{self.describe()}: image ids (file stems) '
                             f'must be unique: {first_few(dup)}')
        annotated = {i: self.annotation_exists(ref)
                     for i, (_, ref) in zip(ids, samples)}
        if not self.allow_unannotated:
            missing = [f'{p} (expected {ref})'
                       for i, (p, ref) in zip(ids, samples)
                       if not annotated[i]]
            if missing:
                raise FileNotFoundError(
                    f'{self.describe()}: {len(missing)} images have no '
                    f'annotation: {first_few(missing, 3)}')
        labeled, held_out = split_protocol(
            ids, annotated, self.labeled_split, self.labeled_ratio,
            self.holdout, self.seed, self.describe())
        keep = subset_ids(ids, labeled, held_out, self.subset)

        data_list, problems = [], LoadProblems()
        for i, (img_path, ann_ref) in zip(ids, samples):
            if i in keep:
                use = i in labeled or i in held_out
                data_list.append(self._load_one(
                    img_path, i, ann_ref, annotated[i], use, problems))
        problems.report(self.describe(), self.out_of_image)
        if not data_list:
            raise ValueError(
                f'{self.describe()}: subset={self.subset!r} is empty '
                f'({len(ids)} images in the split, {len(labeled)} labelled, '
                f'{len(held_out)} held out)')
        print_log(
            f'{self.describe()}: {len(data_list)} images in subset '
            f'{self.subset!r} ({len(ids)} in the split, {len(labeled)} '
            f'labelled, {len(held_out)} held out)', logger='current')
        return data_list

    def _load_one(self, img_path, img_id, ann_ref, annotated, use,
                  problems) -> dict:
        width, height, rotated = image_header(img_path)
        if rotated:
            problems.exif.append(img_path)
        has_gt = annotated and (use or not self.hide_unlabeled_gt)
        points = sizes = np.zeros((0, 2), dtype=np.float32)
        if has_gt:
            points, sizes = self._read_points(ann_ref, problems)
            points, sizes, n_out, excess = apply_out_of_image(
                points, sizes, width, height, self.out_of_image)
            if n_out:
                problems.outside.append((ann_ref, n_out, excess))
        info = dict(img_path=img_path, img_id=img_id, width=width,
                    height=height, gt_points=points, has_gt=has_gt,
                    labeled=annotated and use)
        if self.HAS_HEAD_SIZES:
            info['gt_head_sizes'] = sizes
        return info

    def _read_points(self, ann_ref, problems):
        try:
            ann = self.parse_annotation(ann_ref)
        except Exception as e:  # KeyError, IndexError, TypeError, ...
            if str(ann_ref) in str(e):
                raise  # the message already names the file
            raise ValueError(f'{ann_ref}: malformed annotation '
                             f'({type(e).__name__}: {e})') from e
        points = as_xy_array(ann['points'], ann_ref, 'points')
        sizes = None
        if self.HAS_HEAD_SIZES:
            sizes = as_xy_array(ann['head_sizes'], ann_ref, 'head sizes',
                                nonnegative=True)
            if len(sizes) != len(points):
                raise ValueError(f'{ann_ref}: {len(points)} points but '
                                 f'{len(sizes)} head sizes')
        if ann.get('warning'):
            problems.notes.append(ann['warning'])
        return points, sizes
