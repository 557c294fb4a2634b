"""Generated scenes written in ShanghaiTech's archive layout, so that the
ShanghaiTech configs, their shipped split lists and the real data pipeline
run where the real images are not at hand (the throughput section of
gpu_check.py)::

    root/train_data/images/IMG_1.jpg ... IMG_<num_train>.jpg
    root/train_data/ground-truth/GT_IMG_1.mat ...
    root/test_data/images/..., root/test_data/ground-truth/...
    root/meta.json      what was generated (a matching folder is reused)

Each ``GT_IMG_n.mat`` holds what the archive's do (and what
:class:`~p2r_mm.datasets.ShanghaiTechDataset` reads): a MATLAB cell
``image_info`` holding a struct with fields ``location`` ((N, 2) float64
(x, y) pixels) and ``number``.

Drawing a scene of ShanghaiTech A's size takes ~0.5 s, so only
``distinct`` scenes per split are drawn and image ``IMG_k`` is scene
``(k - 1) % distinct``: decoding and augmenting the images costs what it
costs on real data, only their content repeats.
"""
import json
import os
import os.path as osp
import shutil
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from typing import Dict, List

import cv2
import numpy as np
from scipy.io import savemat

from p2r_mm.datasets.synthetic import (GENERATOR_VERSION, SceneParams,
                                       generate_scene)
from p2r_mm.datasets.synthetic.writing import JPEG_QUALITY

#: Roughly ShanghaiTech part A: sides of 400-1024 pixels, tens to ~1500
#: heads, small heads far away (its mean is ~500 heads per image).
SHA_LIKE_PARAMS = SceneParams(
    image_size=(400, 1024), count_range=(30, 1500), radius_top=(2.0, 3.5),
    radius_bottom=(6.0, 12.0))
#: ShanghaiTech A's split sizes.
SHA_NUM_TRAIN, SHA_NUM_TEST = 300, 182


def write_sha_mat(path: str, points: np.ndarray) -> None:
    """A ShanghaiTech ``GT_IMG_n.mat``: ``image_info{1}.location`` is the
    (N, 2) array of (x, y) head points, ``image_info{1}.number`` N."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    info = np.zeros((1, 1), dtype=[('location', 'O'), ('number', 'O')])
    info[0, 0]['location'] = points
    info[0, 0]['number'] = np.array([[float(len(points))]])
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = info
    savemat(path, {'image_info': cell})


def write_shanghaitech(root: str,
                       num_train: int = SHA_NUM_TRAIN,
                       num_test: int = SHA_NUM_TEST,
                       distinct: int = 16,
                       seed: int = 0,
                       params: SceneParams = SHA_LIKE_PARAMS,
                       workers: int = 1) -> Dict[str, List[int]]:
    """Write (or reuse) a ShanghaiTech-format folder of generated scenes.

    Args:
        root (str): the part's folder (``data_root`` of the SHA configs).
        num_train, num_test (int): images per split; 300 / 182 as in
            part A, so the shipped ``sha-*.txt`` lists name existing images.
        distinct (int): scenes drawn per split (at most the split's size).
        seed (int): generator seed (:func:`generate_scene`).
        params (SceneParams): what the scenes look like.
        workers (int): processes that draw scenes.

    Returns:
        dict: ``{'train': [N_1, N_2, ...], 'test': [...]}``, the head count
        of ``IMG_1``, ``IMG_2``, ... of each split.
    """
    if num_train < 1 or num_test < 0 or distinct < 1:
        raise ValueError('need num_train >= 1, num_test >= 0, distinct >= 1,'
                         f' got {num_train}, {num_test}, {distinct}')
    meta = dict(generator='p2r_mm.synthetic_crowd:shanghaitech',
                version=GENERATOR_VERSION, num_train=num_train,
                num_test=num_test, distinct=distinct, seed=seed,
                params=params.to_dict())
    meta_path = osp.join(root, 'meta.json')
    if osp.isfile(meta_path):
        with open(meta_path, encoding='utf-8') as f:
            found = json.load(f)
        if {k: found.get(k) for k in meta} == meta:
            return found['counts']
    counts = {}
    for split, num in (('train', num_train), ('test', num_test)):
        counts[split] = _write_split(osp.join(root, f'{split}_data'), split,
                                     num, min(distinct, max(num, 1)), seed,
                                     params, workers)
    # Last, so a folder with a matching meta.json is complete.
    with open(meta_path, 'w', encoding='utf-8') as f:
        json.dump(dict(meta, counts=counts), f)
    return counts


def _write_split(split_dir, split, num, distinct, seed, params, workers):
    img_dir = osp.join(split_dir, 'images')
    gt_dir = osp.join(split_dir, 'ground-truth')
    for d in (img_dir, gt_dir):
        if osp.isdir(d):
            shutil.rmtree(d)  # an earlier, different or partial generation
        os.makedirs(d)
    if num == 0:
        return []
    scenes = list(range(distinct))
    if workers > 1 and distinct > 1:
        with ProcessPoolExecutor(min(workers, distinct)) as pool:
            points = list(pool.map(_draw, repeat(img_dir), repeat(split),
                                   scenes, repeat(seed), repeat(params)))
    else:
        points = [_draw(img_dir, split, k, seed, params) for k in scenes]
    counts = []
    for k in range(1, num + 1):
        scene = (k - 1) % distinct
        img = osp.join(img_dir, f'IMG_{k}.jpg')
        if k > distinct:
            shutil.copyfile(osp.join(img_dir, f'IMG_{scene + 1}.jpg'), img)
        write_sha_mat(osp.join(gt_dir, f'GT_IMG_{k}.mat'), points[scene])
        counts.append(len(points[scene]))
    return counts


def _draw(img_dir, split, index, seed, params) -> np.ndarray:
    """Draw scene ``index`` into ``img_dir/IMG_<index + 1>.jpg``; its
    points."""
    scene = generate_scene(seed, index, split, params)
    path = osp.join(img_dir, f'IMG_{index + 1}.jpg')
    if not cv2.imwrite(path, cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR),
                       [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
        raise OSError(f'{path}: cannot write the image')
    return scene.points.astype(np.float64)
