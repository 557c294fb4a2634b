"""Truncated and damaged JPEG / PNG data is told apart from complete files
(OpenCV decodes a cut JPEG with grey rows and no error)."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image

from p2r_mm.datasets.image_integrity import (DamagedImageError,
                                             check_image_bytes,
                                             truncation_problem)


def photo(h=120, w=160):
    """A smooth image with detail (JPEG data of a realistic size)."""
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(0)
    img = np.stack([x * 255 // w, y * 255 // h, (x * y) % 256], -1)
    return (img + rng.integers(0, 40, img.shape)).clip(0, 255).astype(
        np.uint8)


def encoded(ext, **params):
    ok, buf = cv2.imencode(ext, photo(), list(
        sum(params.items(), ())) if params else [])
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize('ext', ['.jpg', '.png'])
def test_complete_files_pass(ext):
    assert truncation_problem(encoded(ext)) is None


@pytest.mark.parametrize('ext', ['.jpg', '.png'])
@pytest.mark.parametrize('keep', [0.8, 0.5, 0.995])
def test_cut_files_are_damaged(ext, keep):
    data = encoded(ext)
    cut = data[:int(len(data) * keep)]
    problem = truncation_problem(cut)
    assert problem is not None and 'cut short' in problem
    with pytest.raises(DamagedImageError, match=r"'img_7\S*'.*incomplete"):
        check_image_bytes(cut, 'img_7' + ext)


def test_progressive_jpeg_and_an_early_end_marker():
    buf = io.BytesIO()
    Image.fromarray(photo()).save(buf, 'JPEG', progressive=True)
    data = buf.getvalue()
    assert truncation_problem(data) is None
    assert truncation_problem(data[:len(data) * 3 // 4]) is not None
    # An end marker near the start (an EXIF thumbnail ends with one; here
    # a comment holds it) must not make a cut file look complete.
    buf = io.BytesIO()
    Image.fromarray(photo()).save(buf, 'JPEG', comment=b'\xff\xd9')
    data = buf.getvalue()
    assert data.find(b'\xff\xd9') < 100
    assert truncation_problem(data[:int(len(data) * 0.9)]) is not None


def test_bytes_after_the_end_marker_are_accepted():
    data = encoded('.jpg')
    assert truncation_problem(data + b'\x00' * 16) is None
    assert truncation_problem(data + b'trailing camera data') is None


def test_other_formats_are_left_to_the_decoder():
    assert truncation_problem(encoded('.bmp')[:100]) is None
    assert truncation_problem(b'') is None
