"""Synthetic crowd data sets on disk, in the custom-data format.

One folder per split, readable by :class:`CustomCrowdDataset` as is::

    root/train/images/000000.jpg, 000001.jpg, ...
    root/train/annotations.json   {"000000.jpg": [[x, y], ...], ...}
    root/train/meta.json          generator version, seed, parameters,
                                  count statistics
    root/val/..., root/test/...   the same for the validation and test
                                  splits

A split is written to a temporary folder beside it and renamed into place
when complete, so a crash or two processes racing never leave a partial
split; ``meta.json`` records what was generated, so a split made by
another generator version or with other parameters is regenerated instead
of silently reused.
"""
import json
import os
import os.path as osp
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from typing import List, Optional

import cv2
import numpy as np
from mmengine.dist import barrier, get_rank
from mmengine.logging import print_log

from .scene_layout import GENERATOR_VERSION, SceneParams, generate_scene

GENERATOR_NAME = 'p2r_mm.synthetic_crowd'
JPEG_QUALITY = 95


def image_name(index: int) -> str:
    return f'{index:06d}.jpg'


def split_meta(split: str, num_images: int, seed: int,
               params: SceneParams) -> dict:
    """What identifies a generated split (``meta.json`` without stats)."""
    return dict(generator=GENERATOR_NAME, version=GENERATOR_VERSION,
                split=split, num_images=int(num_images), seed=int(seed),
                params=params.to_dict())


def read_meta(split_dir: str) -> Optional[dict]:
    """The split's ``meta.json``, or None when absent or unreadable."""
    try:
        with open(osp.join(split_dir, 'meta.json'), encoding='utf-8') as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def is_current(split_dir: str, meta: dict) -> bool:
    """Whether ``split_dir`` holds the complete split ``meta`` describes."""
    found = read_meta(split_dir)
    if found is None or {k: found.get(k) for k in meta} != meta:
        return False
    img_dir = osp.join(split_dir, 'images')
    return (osp.isfile(osp.join(split_dir, 'annotations.json'))
            and osp.isdir(img_dir)
            and len(os.listdir(img_dir)) == meta['num_images'])


def write_images(split_dir: str, split: str, indices, seed: int,
                 params: SceneParams) -> List[list]:
    """Generate and write images ``indices`` into ``split_dir/images``;
    their points as lists of [x, y], in order."""
    points = []
    for k in indices:
        scene = generate_scene(seed, k, split, params)
        path = osp.join(split_dir, 'images', image_name(k))
        bgr = cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR)
        if not cv2.imwrite(path, bgr,
                           [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
            raise OSError(f'{path}: cannot write the image')
        # float64 of the 2-decimal values, so JSON keeps the decimals.
        points.append(np.round(scene.points.astype(np.float64),
                               2).tolist())
    return points


def write_split(split_dir: str, split: str, num_images: int, seed: int,
                params: SceneParams, workers: int = 1) -> dict:
    """Write a whole split into ``split_dir`` (created; not atomic, see
    :func:`ensure_split`) with ``workers`` processes. Returns the meta
    written, with ``stats`` (count min / max / mean / median / total)."""
    os.makedirs(osp.join(split_dir, 'images'))
    if workers > 1 and num_images > 1:
        chunks = np.array_split(np.arange(num_images),
                                min(workers * 4, num_images))
        with ProcessPoolExecutor(workers) as pool:
            parts = pool.map(write_images, repeat(split_dir), repeat(split),
                             [c.tolist() for c in chunks], repeat(seed),
                             repeat(params))
            points = [p for part in parts for p in part]
    else:
        points = write_images(split_dir, split, range(num_images), seed,
                              params)
    entries = {image_name(k): p for k, p in enumerate(points)}
    with open(osp.join(split_dir, 'annotations.json'), 'w') as f:
        json.dump(entries, f, separators=(',', ':'))
    counts = np.array([len(p) for p in points])
    meta = split_meta(split, num_images, seed, params)
    meta['stats'] = dict(
        count_min=int(counts.min()), count_max=int(counts.max()),
        count_mean=round(float(counts.mean()), 2),
        count_median=float(np.median(counts)), count_total=int(counts.sum()))
    # Last, so a folder with meta.json is complete.
    with open(osp.join(split_dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    return meta


def ensure_split(root: str, split: str, num_images: int, seed: int,
                 params: SceneParams, workers: int = 1,
                 force: bool = False) -> str:
    """``root/split``, generated first unless it holds exactly this split.

    In a distributed run rank 0 generates while the other ranks wait; a
    rank that then still sees no current split (a file system that is not
    shared) generates its own copy, identical by construction.

    Raises:
        FileExistsError: ``root/split`` exists but was not made by this
            generator (no ``meta.json``); it is never deleted.
    """
    split_dir = osp.join(root, split)
    meta = split_meta(split, num_images, seed, params)
    failure = None
    if get_rank() == 0:
        try:
            _ensure_local(root, split_dir, meta, params, workers, force)
        except Exception as err:  # re-raised after the barrier
            failure = err
    # Every rank reaches the barrier, even when rank 0 failed, so none
    # waits forever; the others then check (and fail) on their own.
    barrier()
    if failure is not None:
        raise failure
    if get_rank() != 0:
        _ensure_local(root, split_dir, meta, params, workers, False)
    return split_dir


def _ensure_local(root, split_dir, meta, params, workers, force):
    if not force and is_current(split_dir, meta):
        return
    if osp.exists(split_dir) and read_meta(split_dir) is None:
        raise FileExistsError(
            f'{split_dir} exists but is not a synthetic crowd split (no '
            'meta.json): move it away or choose another data_root')
    os.makedirs(root, exist_ok=True)
    name = osp.basename(split_dir)
    _remove_leftovers(root, name)
    print_log(f'Generating synthetic crowd split {name!r} '
              f'({meta["num_images"]} images, seed {meta["seed"]}) in '
              f'{split_dir}', logger='current')
    tmp = tempfile.mkdtemp(prefix=f'.{name}.tmp-', dir=root)
    try:
        written = write_split(osp.join(tmp, name), meta['split'],
                              meta['num_images'], meta['seed'], params,
                              workers)
        _swap_in(osp.join(tmp, name), split_dir, meta, force)
        print_log(f'Synthetic crowd split {name!r}: heads per image '
                  f'{written["stats"]}', logger='current')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_leftovers(root, name, min_age_s=3600):
    """Delete temporaries of ``name`` that a killed process left behind;
    recent ones may belong to a process still at work."""
    for entry in os.listdir(root):
        path = osp.join(root, entry)
        if (entry.startswith((f'.{name}.tmp-', f'.{name}.old-'))
                and time.time() - osp.getmtime(path) > min_age_s):
            shutil.rmtree(path, ignore_errors=True)


def _swap_in(new_dir, split_dir, meta, force, attempts=20):
    """Rename ``new_dir`` to ``split_dir``, replacing a stale split. If
    another process installed a current split meanwhile, keep that one."""
    for _ in range(attempts):
        try:
            os.rename(new_dir, split_dir)  # fails if split_dir is not empty
            return
        except OSError as e:
            error = e
            if not osp.exists(split_dir):
                continue  # another process is swapping it just now
            if not force and is_current(split_dir, meta):
                return
        stale = osp.join(osp.dirname(split_dir),
                         f'.{osp.basename(split_dir)}.old-{uuid.uuid4().hex}')
        try:
            os.rename(split_dir, stale)
        except FileNotFoundError:
            continue
        shutil.rmtree(stale, ignore_errors=True)
        force = False  # what appears there now is someone's fresh split
    raise OSError(f'cannot move the generated split into {split_dir}: '
                  f'{error}')
