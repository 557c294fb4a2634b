"""Writes point annotations exported by annotation tools as p2r_mm's custom
data format (``CustomCrowdDataset``)::

    OUT/images/a.jpg, b.png, ...
    OUT/annotations.json   {"a.jpg": [[x, y], ...], "b.png": [], ...}

Shared by the converters of this folder. Everything is checked before a
file is written, so a bad input leaves no partial output behind. Images
left out of ``annotations.json`` are unlabelled (``allow_unannotated``).

Coordinates: the annotation tools place the image's top-left *corner* at
(0, 0), so the centre of pixel (row i, column j) is at (j + 0.5, i + 0.5);
p2r_mm puts that centre at (j, i). Points are therefore shifted by -0.5
(unless ``half_pixel_shift=False``), must lie on the image (within
[0, W] x [0, H] in the tool's coordinates), and those in the outer half
pixel are moved onto the outermost pixel centres.

EXIF orientation: LabelMe and CVAT both show (and annotate) a photo the
way its EXIF orientation tag says it is displayed, while p2r_mm decodes
the stored pixel grid. Such images are therefore written upright (the
orientation applied to the pixels, the tag dropped; JPEGs re-encoded at
quality 95), so that the points fall on what was annotated.
"""
import io
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Set

import numpy as np
from PIL import Image, ImageOps

# What CustomCrowdDataset reads by default.
IMG_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


def add_output_args(parser, tool: str) -> None:
    """The options every converter shares: how the output is written and
    whether ``tool``'s corner-origin coordinates are shifted."""
    parser.add_argument('--link', action='store_true',
                        help='symlink the images instead of copying them')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing annotations.json')
    parser.add_argument(
        '--no-half-pixel-shift', action='store_true',
        help=f'keep {tool}\'s coordinates (default: subtract 0.5, from the '
        'image corner origin to pixel centres)')


class ConversionError(ValueError):
    """Bad input; the message names the file and the element."""


# EXIF orientations (tag 0x0112) that turn the image by 90 degrees, so
# that it is displayed with width and height swapped.
SWAPPING = (5, 6, 7, 8)


def image_size(path, where: str):
    """((width, height), orientation) from the header: the size as the
    annotation tools display the image (its EXIF orientation applied), and
    that orientation (1: none; 2-8: mirrored and / or rotated)."""
    try:
        with Image.open(path) as img:
            width, height = img.size
            try:
                orientation = int(img.getexif().get(0x0112, 1))
            except Exception:  # a broken EXIF block: the pixels as stored
                orientation = 1
    except Exception as e:  # PIL raises several unrelated types
        raise ConversionError(f'{where}: cannot read the image {path} '
                              f'({e})') from e
    if orientation not in range(1, 9):
        orientation = 1  # not a valid value: viewers ignore it too
    if orientation in SWAPPING:
        width, height = height, width
    return (width, height), orientation


def write_upright(src, dst: str) -> None:
    """The image ``src`` (a path or a file object) with its EXIF
    orientation applied to the pixels, saved as ``dst`` in its format."""
    with Image.open(src) as img:
        fmt = img.format
        upright = ImageOps.exif_transpose(img)
        options = dict(quality=95) if fmt == 'JPEG' else {}
        upright.save(dst, format=fmt, **options)


class CustomFormatWriter:
    """Collects images and their points, then writes them in one go.

    Args:
        out_dir (str): the dataset folder to create.
        overwrite (bool): replace an existing ``annotations.json`` there.
        link (bool): symlink the images instead of copying them.
        half_pixel_shift (bool): convert corner-origin coordinates to
            p2r_mm's pixel-centre ones (see the module docstring).
    """

    def __init__(self, out_dir: str, overwrite: bool = False,
                 link: bool = False, half_pixel_shift: bool = True) -> None:
        self.out_dir = out_dir
        self.ann_file = osp.join(out_dir, 'annotations.json')
        if osp.exists(self.ann_file) and not overwrite:
            raise ConversionError(f'{self.ann_file} already exists; pass '
                                  '--overwrite to replace it')
        self.link = link
        self.shift = 0.5 if half_pixel_shift else 0.0
        self.images: Dict[str, str] = {}  # output name -> source
        self.blobs: Dict[str, bytes] = {}  # output name -> encoded image
        self.entries: Dict[str, List[List[float]]] = {}
        self.sources: Dict[str, str] = {}  # output name -> where
        self.stems: Dict[str, str] = {}  # name without extension -> name
        self.upright: Set[str] = set()  # written with EXIF orientation applied
        self.no_heads_but_shapes: List[str] = []  # only ignored shapes

    def _add_image(self, name: str, where: str) -> None:
        if not name.lower().endswith(IMG_SUFFIXES):
            raise ConversionError(
                f'{where}: {name!r} is not a {"/".join(IMG_SUFFIXES)} image '
                '(what CustomCrowdDataset reads); convert it first')
        if name in self.sources:
            raise ConversionError(
                f'{where}: another image is also named {name!r} '
                f'({self.sources[name]}); the custom format keeps images in '
                'one folder, so names must be unique')
        stem = osp.splitext(name)[0]
        if stem in self.stems:
            raise ConversionError(
                f'{where}: {name!r} and {self.stems[stem]!r} '
                f'({self.sources[self.stems[stem]]}) differ only in their '
                'extension; the custom format tells images apart by name '
                'without extension, so rename one')
        self.sources[name] = where
        self.stems[stem] = name

    def add(self, image: str, points: Optional[Sequence], where: str,
            size: Optional[tuple] = None, data: Optional[bytes] = None,
            name: Optional[str] = None, ignored_shapes: int = 0) -> None:
        """One image.

        Args:
            image (str): the image file (ignored when ``data`` is given).
            points: (N, 2) (x, y) in the tool's corner-origin pixels, or
                None for an unlabelled image.
            where (str): the file and element the image comes from, for
                messages (e.g. ``'a.json'``, ``'x.xml: <image id="3">'``).
            size (tuple, optional): (width, height) the annotation states;
                checked against the image.
            data (bytes, optional): the encoded image itself (LabelMe's
                ``imageData``), when the file is absent.
            name (str, optional): output file name (default: the image's).
            ignored_shapes (int): shapes of this image that are not head
                points (other kinds or labels); an image with no points
                but such shapes is reported (annotated with the wrong
                tool or label?).
        """
        name = name or osp.basename(image)
        self._add_image(name, where)
        if data is None and not osp.isfile(image):
            raise ConversionError(f'{where}: image {image} not found')
        if data is not None:
            real, orientation = image_size(io.BytesIO(data),
                                           f'{where} (imageData)')
        else:
            real, orientation = image_size(image, where)
        if size is not None and tuple(size) != tuple(real):
            rotated = (f' as displayed (its EXIF orientation {orientation} '
                       'turns it; the annotation tools apply that)'
                       if orientation in SWAPPING else '')
            raise ConversionError(
                f'{where}: the annotation says {size[0]}x{size[1]} but the '
                f'image is {real[0]}x{real[1]} pixels (width x height)'
                f'{rotated}')
        if data is not None:
            self.blobs[name] = data
        else:
            self.images[name] = image
        if orientation != 1:
            self.upright.add(name)
        if points is not None:
            self.entries[name] = self._convert(points, real, where)
            if not self.entries[name] and ignored_shapes:
                self.no_heads_but_shapes.append(name)

    def _convert(self, points, size, where) -> List[List[float]]:
        width, height = size
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        outside = ~((pts >= 0) & (pts <= (width, height))).all(axis=1)
        if outside.any():
            k = int(np.flatnonzero(outside)[0])
            raise ConversionError(
                f'{where}: point {k} ({pts[k, 0]:g}, {pts[k, 1]:g}) lies '
                f'outside the {width}x{height} image')
        pts = np.clip(pts - self.shift, 0, (width - 1, height - 1))
        return np.round(pts, 3).tolist()

    def write(self) -> dict:
        """Copy (or link) the images and write ``annotations.json``;
        returns counts for a summary."""
        if not self.sources:
            raise ConversionError('no images to convert')
        if self.entries and not any(self.entries.values()) and \
                self.no_heads_but_shapes:
            raise ConversionError(
                f'no head points in any of the {len(self.entries)} '
                f'annotated images, but {len(self.no_heads_but_shapes)} of '
                'them hold other shapes (see --labels, and mark heads with '
                'the point tool)')
        img_dir = osp.join(self.out_dir, 'images')
        for name in sorted(self.upright):
            src, dst = self.images.get(name), osp.join(img_dir, name)
            if src is not None and osp.exists(dst) and osp.samefile(src, dst):
                raise ConversionError(
                    f'{self.sources[name]}: {src} carries an EXIF rotation '
                    'and would have to be rewritten upright in place; '
                    'choose another output folder')
        os.makedirs(img_dir, exist_ok=True)
        for name, src in self.images.items():
            dst = osp.join(img_dir, name)
            if osp.exists(dst) and osp.samefile(src, dst):
                continue  # converting in place: the image is there
            if osp.lexists(dst):
                os.remove(dst)
            if name in self.upright:
                write_upright(src, dst)
            elif self.link:
                os.symlink(osp.abspath(src), dst)
            else:
                shutil.copyfile(src, dst)
        for name, data in self.blobs.items():
            dst = osp.join(img_dir, name)
            if name in self.upright:
                write_upright(io.BytesIO(data), dst)
            else:
                with open(dst, 'wb') as f:
                    f.write(data)
        with open(self.ann_file, 'w', encoding='utf-8') as f:
            json.dump(dict(sorted(self.entries.items())), f)
        # Left from an earlier conversion (never deleted: they may be the
        # user's); the dataset would load them as unlabelled images.
        stale = sorted(f for f in os.listdir(img_dir)
                       if f.lower().endswith(IMG_SUFFIXES) and
                       f not in self.sources)
        return dict(images=len(self.sources), labelled=len(self.entries),
                    points=sum(len(p) for p in self.entries.values()),
                    stale=stale, upright=sorted(self.upright),
                    no_heads_but_shapes=sorted(self.no_heads_but_shapes))


def summary(stats: dict, out_dir: str, ignored: Dict[str, int]) -> str:
    text = (f'wrote {stats["images"]} images ({stats["labelled"]} labelled, '
            f'{stats["points"]} points) to {out_dir}')
    if stats['images'] > stats['labelled']:
        text += (f'; {stats["images"] - stats["labelled"]} unlabelled '
                 '(load them with allow_unannotated=True)')
    if stats.get('stale'):
        n_stale = len(stats['stale'])
        text += (f'\nwarning: {out_dir}/images also holds {n_stale}'
                 f' images that this conversion did not write (e.g. '
                 f'{stats["stale"][0]}): they load as unlabelled images; '
                 'delete them if they do not belong')
    if ignored:
        kinds = ', '.join(f'{k}: {v}' for k, v in sorted(ignored.items()))
        text += f'; ignored shapes ({kinds})'
    if stats.get('upright'):
        names = stats['upright']
        text += (f'\n{len(names)} images carry an EXIF rotation and were '
                 'written upright, as the annotation tool showed them '
                 f'(e.g. {names[0]})')
    if stats.get('no_heads_but_shapes'):
        names = stats['no_heads_but_shapes']
        more = ', ...' if len(names) > 5 else ''
        text += (f'\nwarning: {len(names)} images were written with no '
                 'heads although they hold other shapes (wrong label or '
                 f'shape type?): {", ".join(names[:5])}{more}')
    return text
