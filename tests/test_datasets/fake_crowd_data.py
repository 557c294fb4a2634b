"""Tiny on-disk copies of the crowd dataset formats, for tests.

Each ``make_*`` builds the archive's real folder structure and file formats
(``.mat`` nesting written with ``scipy.io.savemat``, ``.json``, ``.txt``,
small random JPEGs) under ``root`` and returns what it wrote:
``{split: {img_path: info}}`` (``make_custom``: ``{img_path: info}``) with
``info = dict(width=int, height=int, points=float32 (N, 2) (x, y) pixels)``
plus ``head_sizes`` float32 (N, 2) (w, h) for JHU-Crowd++ and NWPU-Crowd.
``points`` is None for an image written without annotation. The values
survive the round trip through the files exactly, so tests can compare with
``np.testing.assert_array_equal``.

Builders are deterministic for a given ``seed``; images are 24-64 pixels
wide, so hundreds of them take well under a second to write.
"""
import json
import logging
import os
import os.path as osp
from contextlib import contextmanager

import cv2
import numpy as np
from mmengine.logging import MMLogger
from scipy.io import savemat


# ------------------------------------------------------------ file writers
def write_image(path, width, height, seed=0):
    """A random colour JPEG (or PNG, by extension) of the given size."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), img), path


def cut_file(path, keep=0.8):
    """Keep the first ``keep`` fraction of a file's bytes, as an interrupted
    copy (or a disk error) leaves it; the image header stays readable."""
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:int(len(data) * keep)])


def write_sha_mat(path, points, fields=('location', 'number')):
    """A ShanghaiTech ``GT_IMG_n.mat``: cell ``image_info`` holding a struct
    with fields ``location`` (N, 2) and ``number`` (in the published
    files' order unless ``fields`` says otherwise), so that
    ``loadmat(path)['image_info'][0][0][0][0][0]`` is ``location``."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    struct = np.zeros((1, 1), dtype=[(name, 'O') for name in fields])
    struct[0, 0]['location'] = points
    struct[0, 0]['number'] = np.array([[float(len(points))]])
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = struct
    os.makedirs(osp.dirname(path), exist_ok=True)
    savemat(path, {'image_info': cell})


def write_qnrf_mat(path, points):
    """A UCF-QNRF ``img_XXXX_ann.mat`` with variable ``annPoints`` (N, 2)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    savemat(path, {'annPoints': np.asarray(points, np.float64).reshape(-1, 2)})


def write_jhu_txt(path, points, head_sizes, seed=0):
    """A JHU-Crowd++ ``gt/NNNN.txt``: ``x y w h occlusion blur`` per line."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        for (x, y), (w, h) in zip(points, head_sizes):
            f.write(f'{x:.2f} {y:.2f} {w:g} {h:g} {rng.integers(1, 4)} '
                    f'{rng.integers(0, 2)}\n')


def write_nwpu_json(path, points, head_sizes, human_num=None):
    """An NWPU-Crowd ``jsons/NNNN.json``; boxes centred on the points."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    half = np.asarray(head_sizes, np.float64).reshape(-1, 2) / 2
    boxes = np.concatenate([points - half, points + half], axis=1)
    stem = osp.splitext(osp.basename(path))[0]
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(img_id=f'{stem}.jpg', points=points.tolist(),
                       boxes=boxes.tolist(),
                       human_num=len(points) if human_num is None
                       else human_num), f)


def random_image(rng, min_points=1, max_points=8):
    """(width, height, points float32 (N, 2) on the pixel grid, with two
    decimals so that text files reproduce them exactly)."""
    width, height = int(rng.integers(24, 65)), int(rng.integers(20, 49))
    n = int(rng.integers(min_points, max_points + 1))
    xy = rng.uniform(0, 1, (n, 2)) * [width - 1, height - 1]
    return width, height, np.round(xy, 2).astype(np.float32)


def random_sizes(rng, n):
    """float32 (n, 2) integer head sizes (w, h) in 2..10 pixels."""
    return rng.integers(2, 11, (n, 2)).astype(np.float32)


# ------------------------------------------------------------ datasets
def make_shanghaitech(root, n_train=6, n_test=2, seed=0):
    """``root/{train,test}_data/images/IMG_n.jpg`` (n from 1) and
    ``ground-truth/GT_IMG_n.mat``, as one part (A or B) of the archive."""
    rng, out = np.random.default_rng(seed), {}
    for split, count in (('train', n_train), ('test', n_test)):
        out[split] = {}
        for k in range(1, count + 1):
            w, h, pts = random_image(rng)
            img = osp.join(root, f'{split}_data', 'images', f'IMG_{k}.jpg')
            write_image(img, w, h, seed=k)
            write_sha_mat(osp.join(root, f'{split}_data', 'ground-truth',
                                   f'GT_IMG_{k}.mat'), pts)
            out[split][img] = dict(width=w, height=h, points=pts)
    return out


def make_ucf_qnrf(root, n_train=6, n_test=2, seed=0):
    """``root/{Train,Test}/img_XXXX.jpg`` + ``img_XXXX_ann.mat``."""
    rng, out = np.random.default_rng(seed), {}
    for split, count in (('train', n_train), ('test', n_test)):
        out[split] = {}
        folder = osp.join(root, split.capitalize())
        for k in range(1, count + 1):
            w, h, pts = random_image(rng)
            img = osp.join(folder, f'img_{k:04d}.jpg')
            write_image(img, w, h, seed=k)
            write_qnrf_mat(osp.join(folder, f'img_{k:04d}_ann.mat'), pts)
            out[split][img] = dict(width=w, height=h, points=pts)
    return out


def make_jhu_crowd(root, n_train=6, n_val=2, n_test=2, seed=0):
    """``root/{train,val,test}/images/NNNN.jpg`` + ``gt/NNNN.txt``; the
    first image of each split has no heads (an empty txt)."""
    rng, out, k = np.random.default_rng(seed), {}, 0
    for split, count in (('train', n_train), ('val', n_val),
                         ('test', n_test)):
        out[split] = {}
        for j in range(count):
            k += 1
            w, h, pts = random_image(rng, *((1, 8) if j else (0, 0)))
            sizes = random_sizes(rng, len(pts))
            img = osp.join(root, split, 'images', f'{k:04d}.jpg')
            write_image(img, w, h, seed=k)
            write_jhu_txt(osp.join(root, split, 'gt', f'{k:04d}.txt'), pts,
                          sizes, seed=k)
            out[split][img] = dict(width=w, height=h, points=pts,
                                   head_sizes=sizes)
    return out


def make_nwpu_crowd(root, n_train=6, n_val=2, n_test=2, seed=0):
    """``root/images/NNNN.jpg``, ``root/jsons/NNNN.json`` (train and val
    only, as published) and ``root/{train,val,test}.txt``; the first train
    image has no heads."""
    rng, out, k = np.random.default_rng(seed), {}, 0
    for split, count in (('train', n_train), ('val', n_val),
                         ('test', n_test)):
        out[split], lines = {}, []
        for j in range(count):
            k += 1
            empty = split == 'train' and j == 0
            w, h, pts = random_image(rng, 0 if empty else 1,
                                     0 if empty else 8)
            sizes = random_sizes(rng, len(pts))
            img = osp.join(root, 'images', f'{k:04d}.jpg')
            write_image(img, w, h, seed=k)
            if split != 'test':
                write_nwpu_json(osp.join(root, 'jsons', f'{k:04d}.json'),
                                pts, sizes)
            out[split][img] = dict(
                width=w, height=h, points=None if split == 'test' else pts,
                head_sizes=None if split == 'test' else sizes)
            lines.append(f'{k:04d} {k % 2} {k % 5}\n')
        with open(osp.join(root, f'{split}.txt'), 'w') as f:
            f.writelines(lines)
    return out


def make_custom(root, n=6, mode='json', seed=0):
    """``root/images/{a0.jpg, a1.jpg, ..., a<n-1>.png}`` (the last one a
    PNG) with ``root/annotations.json`` (``mode='json'``) or
    ``root/labels/a<k>.txt`` (``mode='txt'``)."""
    rng, out, entries = np.random.default_rng(seed), {}, {}
    for k in range(n):
        w, h, pts = random_image(rng)
        name = f'a{k}' + ('.png' if k == n - 1 else '.jpg')
        img = osp.join(root, 'images', name)
        write_image(img, w, h, seed=k)
        out[img] = dict(width=w, height=h, points=pts)
        if mode == 'json':
            entries[name] = pts.tolist()
        else:
            txt = osp.join(root, 'labels', f'a{k}.txt')
            os.makedirs(osp.dirname(txt), exist_ok=True)
            np.savetxt(txt, pts, fmt='%.2f')
    if mode == 'json':
        with open(osp.join(root, 'annotations.json'), 'w') as f:
            json.dump(entries, f)
    return out


# ------------------------------------------------------------ log capture
@contextmanager
def captured_warnings():
    """Collect the WARNING+ messages MMEngine's current logger emits (the
    datasets report problems through ``print_log``)."""
    messages = []

    class _Collect(logging.Handler):

        def emit(self, record):
            messages.append(record.getMessage())

    handler = _Collect(level=logging.WARNING)
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
