"""Load a crowd image (from a file or an array) and check its point
annotations.

The file loader and the annotation check turn bad input into an error that
names the image file, so that a broken sample is never silently trained on
or scored; in training the dataset replaces it
(:mod:`~p2r_mm.datasets.sample_replacement`).
"""
import errno
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmengine import fileio

from p2r_mm.registry import TRANSFORMS
from ..image_integrity import DamagedImageError, check_image_bytes
from ..point_checks import as_xy_array, inside_image
from .point_geometry import has_points


@TRANSFORMS.register_module()
class LoadCrowdImage(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with errors that name the file, and a
    check that the image data is complete.

    mmcv raises the backend's bare error for a missing file and an
    ``AssertionError`` (``cv2.imdecode`` returned None) for an undecodable
    one; here they become ``FileNotFoundError`` / ``OSError`` /
    :class:`~p2r_mm.datasets.image_integrity.DamagedImageError` (a
    ``ValueError``) with the path. A JPEG or PNG cut short, which OpenCV
    decodes with grey rows and only a warning on stderr, is a
    ``DamagedImageError`` too (see
    :mod:`p2r_mm.datasets.image_integrity`: a look at the file's last bytes,
    a second decode only for a file that does not end properly).

    Required keys: ``img_path``; optional ``width``, ``height`` (int, from
    the dataset's annotation).

    Added keys: ``img`` (H, W, 3) uint8 BGR, ``img_shape`` and ``ori_shape``
    (H, W), ``scale_factor`` ``(1.0, 1.0)`` (w, h), ``flip`` False,
    ``flip_direction`` None. The geometric transforms update the last three.

    Args:
        check_size (bool): if ``width``/``height`` are in the results, the
            decoded image must have that size; the points were annotated on
            an image of that size, so a mismatch (wrong file, EXIF
            rotation) would misplace every point. Defaults to True.
        check_integrity (bool): raise for truncated / damaged JPEG and PNG
            data. Defaults to True.
        color_type (str): mmcv decoding flag. The default decodes the
            stored pixel grid, which the datasets' points refer to, without
            applying an EXIF rotation (mmcv's 'color' applies it). Defaults
            to 'color_ignore_orientation'.
        **kwargs: the other arguments of mmcv's ``LoadImageFromFile``
            (``to_float32``, ``imdecode_backend``, ``ignore_empty``,
            ``backend_args``).
    """

    def __init__(self,
                 check_size: bool = True,
                 check_integrity: bool = True,
                 color_type: str = 'color_ignore_orientation',
                 **kwargs) -> None:
        super().__init__(color_type=color_type, **kwargs)
        self.check_size = check_size
        self.check_integrity = check_integrity

    def transform(self, results: dict) -> Optional[dict]:
        # mmcv's read-then-decode, split so that the bytes can be checked
        # between the two and each failure gets its own message.
        path = results['img_path']
        try:
            data = self._read(path)
        except FileNotFoundError as e:
            if self.ignore_empty:
                return None
            raise FileNotFoundError(errno.ENOENT, 'Image file not found',
                                    str(path)) from e
        except OSError as e:
            if self.ignore_empty:
                return None
            raise OSError(f'Cannot read image file {path!r}: {e}') from e
        try:
            if self.check_integrity:
                check_image_bytes(data, path)
            img = mmcv.imfrombytes(
                data, flag=self.color_type, backend=self.imdecode_backend)
            if img is None:
                raise ValueError('the decoder returned nothing')
        except DamagedImageError:
            if self.ignore_empty:
                return None
            raise
        except Exception as e:  # backend errors of several types
            if self.ignore_empty:
                return None
            raise DamagedImageError(
                f'Cannot decode image file {path!r} (corrupt or not an '
                f'image?): {e}') from e
        if self.to_float32:
            img = img.astype(np.float32)
        h, w = img.shape[:2]
        if self.check_size and 'width' in results and 'height' in results:
            if (int(results['width']), int(results['height'])) != (w, h):
                raise DamagedImageError(
                    f'Image file {path!r} is {w}x{h} (w x h) but its '
                    f'annotation says {results["width"]}x{results["height"]}')
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return _as_decoded(results)

    def _read(self, path) -> bytes:
        if self.file_client_args is not None:
            client = fileio.FileClient.infer_client(self.file_client_args,
                                                    path)
            return client.get(path)
        return fileio.get(path, backend_args=self.backend_args)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(check_size={self.check_size}, '
                f'check_integrity={self.check_integrity}, '
                f'{super().__repr__().split("(", 1)[1]}')


@TRANSFORMS.register_module()
class LoadImageFromArray(BaseTransform):
    """Start a pipeline from an in-memory image (mmdet's
    ``LoadImageFromNDArray``, with the keys p2r_mm's transforms expect).

    Required keys: ``img`` (H, W, 3) uint8 BGR. Added: ``img_path`` None,
    ``img_shape`` and ``ori_shape`` (H, W), ``scale_factor`` (1.0, 1.0)
    (w, h), ``flip`` False, ``flip_direction`` None.
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        results.setdefault('img_path', None)
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return _as_decoded(results)


def _as_decoded(results: dict) -> dict:
    """The geometry keys the transforms update, for an image as decoded."""
    results['scale_factor'] = (1.0, 1.0)
    results['flip'] = False
    results['flip_direction'] = None
    return results


@TRANSFORMS.register_module()
class LoadCrowdAnnotations(BaseTransform):
    """Check the dataset's point annotations and keep them as float32.

    The dataset parses the annotation file and applies its out-of-image
    policy (drop or clip); this transform runs after ``LoadCrowdImage``
    because only then is the true image size known, so it is the one place
    where "points inside the decoded image" can be checked.

    Required keys: ``img_path``, ``gt_points`` (N, 2) (x, y) in pixels,
    pixel (row i, col j) centred at (j, i); ``img_shape`` (H, W) (or
    ``height``/``width`` when the image is not loaded yet). Optional:
    ``gt_head_sizes`` (N, 2) (w, h) in pixels, ``has_gt``.

    Modified keys: ``gt_points`` float32 (N, 2), ``gt_head_sizes`` float32
    (N, 2) (removed when ``with_head_sizes`` is False).

    A sample with ``has_gt=False`` (an image without annotation) passes
    through untouched. Every point must satisfy ``-0.5 <= x < W - 0.5`` and
    ``-0.5 <= y < H - 0.5``, i.e. round to a pixel of the image.

    Args:
        with_head_sizes (bool): keep ``gt_head_sizes`` when present.
            Defaults to True.
    """

    def __init__(self, with_head_sizes: bool = True) -> None:
        self.with_head_sizes = with_head_sizes

    def transform(self, results: dict) -> dict:
        if results.get('has_gt', True) is False:
            return results
        path = results.get('img_path', '<no img_path>')
        if not has_points(results):
            raise KeyError(
                f'{path!r}: no gt_points in the results; an image without '
                'annotation must be marked has_gt=False')
        points = as_xy_array(results['gt_points'], repr(path), 'gt_points',
                             exact=True)
        if 'img_shape' in results:
            height, width = results['img_shape'][:2]
        else:
            height, width = results['height'], results['width']
        outside = ~inside_image(points, width, height)
        if outside.any():
            first = points[outside][0].tolist()
            raise ValueError(
                f'{path!r}: {int(outside.sum())} of {len(points)} gt_points '
                f'lie outside the {width}x{height} image (first: {first})')
        results['gt_points'] = points

        if 'gt_head_sizes' in results:
            if not self.with_head_sizes:
                del results['gt_head_sizes']
            else:
                sizes = as_xy_array(results['gt_head_sizes'], repr(path),
                                    'gt_head_sizes', nonnegative=True,
                                    exact=True)
                if len(sizes) != len(points):
                    raise ValueError(
                        f'{path!r}: {len(sizes)} gt_head_sizes for '
                        f'{len(points)} gt_points')
                results['gt_head_sizes'] = sizes
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'with_head_sizes={self.with_head_sizes})')
