"""Readers for the raw files of crowd datasets: image headers, .mat, .json
and whitespace-separated number tables.

Every reader raises ``ValueError`` naming the file when the file cannot be
read, so one corrupt annotation stops the run with a message a user can act
on instead of a bare traceback from SciPy or the JSON decoder.
"""
import json
import re
import warnings
from typing import Tuple

import numpy as np
from PIL import Image
from scipy.io import loadmat

_SEPARATORS = re.compile(r'[\s,]+')


def image_header(path: str) -> Tuple[int, int, bool]:
    """(width, height, exif_rotated) from the image header (no decoding).

    width and height are the stored pixel grid in pixels. ``exif_rotated``
    says the file carries an EXIF orientation other than "normal": viewers
    (and OpenCV's default decoding flags) show such an image rotated or
    mirrored relative to the stored grid, which the annotations of the
    public datasets refer to.
    """
    try:
        with warnings.catch_warnings():
            # Very large crowd photos trip PIL's decompression-bomb warning,
            # which is meant for untrusted uploads, not for a dataset.
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                try:
                    orientation = img.getexif().get(0x0112, 1)
                except Exception:
                    # A broken EXIF block does not affect the pixels.
                    orientation = 1
    except Exception as e:  # PIL raises several unrelated types
        raise ValueError(f'{path}: cannot read the image header ({e})') from e
    return int(width), int(height), orientation not in (None, 1)


def load_mat(path: str) -> dict:
    """The variables of a MATLAB .mat file (v4 to v7.2), as ``loadmat``."""
    try:
        return loadmat(path)
    except NotImplementedError as e:
        # scipy reads up to v7.2; v7.3 files are HDF5.
        raise ValueError(f'{path}: MATLAB v7.3 (HDF5) files are not '
                         f'supported; re-save it with -v7 ({e})') from e
    except Exception as e:
        raise ValueError(f'{path}: cannot read the .mat file ({e})') from e


def _unique_keys(pairs):
    """A JSON object that names a key twice loses all but its last value
    in ``json.load``: refuse it instead (a hand-merged annotation file)."""
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f'the key {key!r} appears twice in one object')
        obj[key] = value
    return obj


def load_json(path: str):
    """The decoded content of a UTF-8 JSON file (a leading byte-order mark,
    as Windows editors write, is allowed); an object with a repeated key
    is an error."""
    try:
        with open(path, encoding='utf-8-sig') as f:
            return json.load(f, object_pairs_hook=_unique_keys)
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: cannot read the JSON file ({e})') from e


def read_number_rows(path: str, min_cols: int) -> np.ndarray:
    """The first ``min_cols`` numbers of each non-blank line of a text file.

    Numbers are separated by whitespace or commas; extra columns are
    ignored. Returns float64 ``(N, min_cols)``; ``(0, min_cols)`` for a file
    with no rows (an empty file is a valid "no heads" annotation).
    """
    rows = []
    try:
        with open(path, encoding='utf-8-sig') as f:  # a BOM is allowed
            lines = f.read().splitlines()
    except (OSError, ValueError) as e:
        raise ValueError(f'{path}: cannot read the text file ({e})') from e
    for line_no, line in enumerate(lines, start=1):
        fields = [t for t in _SEPARATORS.split(line.strip()) if t]
        if not fields:
            continue
        if len(fields) < min_cols:
            raise ValueError(
                f'{path}, line {line_no}: expected at least {min_cols} '
                f'numbers, got {len(fields)}: {line.strip()!r}')
        try:
            rows.append([float(t) for t in fields[:min_cols]])
        except ValueError as e:
            raise ValueError(f'{path}, line {line_no}: not a number '
                             f'({line.strip()!r})') from e
    return np.asarray(rows, dtype=np.float64).reshape(-1, min_cols)
