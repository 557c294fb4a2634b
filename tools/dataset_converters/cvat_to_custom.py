"""Convert a CVAT "CVAT for images 1.1" export with points to p2r_mm's
custom data format.

python tools/dataset_converters/cvat_to_custom.py annotations.xml IMAGE_DIR
    OUT_DIR [--labels head] [--empty-as-unlabelled] [--link] [--overwrite]

Every ``<points>`` element of an ``<image>`` (of the ``--labels`` given, by
default all) holds heads, ``points="x1,y1;x2,y2;..."``; other shapes
(boxes, polygons, skeletons, ...) are ignored and counted. Image names are
relative to IMAGE_DIR (CVAT keeps sub-folders in them). CVAT exports every
image of a task: one without points is written with no heads, or left
unlabelled with ``--empty-as-unlabelled``.

Writes OUT_DIR/images/ and OUT_DIR/annotations.json, which
``CustomCrowdDataset(data_root=OUT_DIR, ann_file='annotations.json')``
reads; coordinates move from CVAT's corner origin to p2r_mm's pixel
centres (see custom_format_writer.py).
"""
import argparse
import math
import os.path as osp
import sys
import xml.etree.ElementTree as ET
from collections import Counter

from custom_format_writer import (ConversionError, CustomFormatWriter,
                                  add_output_args, summary)


def parse_args():
    parser = argparse.ArgumentParser(
        description='CVAT for images 1.1 points -> custom data format')
    parser.add_argument('xml', help="CVAT's annotations.xml")
    parser.add_argument('image_dir',
                        help='folder the <image name="..."> paths are in')
    parser.add_argument('out_dir', help='dataset folder to write')
    parser.add_argument('--labels', nargs='+',
                        help='labels of the <points> that are heads '
                        '(default: every <points>)')
    parser.add_argument(
        '--empty-as-unlabelled', action='store_true',
        help='leave images without points unlabelled instead of writing '
        'them with no heads')
    add_output_args(parser, 'CVAT')
    return parser.parse_args()


def parse_points(text, where: str) -> list:
    """``"x1,y1;x2,y2"`` -> [[x1, y1], [x2, y2]]."""
    try:
        pairs = [[float(v) for v in pair.split(',')]
                 for pair in text.strip().split(';')]
    except (AttributeError, ValueError):
        pairs = None
    if not pairs or any(len(p) != 2 or not all(map(math.isfinite, p))
                        for p in pairs):
        raise ConversionError(f'{where}: cannot read points={text!r} '
                              '(expected "x1,y1;x2,y2;...")')
    return pairs


def read_images(path: str, labels, ignored: Counter):
    """(element description, name, (width, height), points, number of
    ignored shapes) per image."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise ConversionError(f'{path}: cannot read the XML file ({e})')
    if root.tag != 'annotations':
        raise ConversionError(f'{path}: not a CVAT export (root element '
                              f'<{root.tag}>, expected <annotations>)')
    if root.find('track') is not None:
        raise ConversionError(
            f'{path}: <track> elements: this is a "CVAT for video" export; '
            'export the task as "CVAT for images 1.1"')
    images = root.findall('image')
    if not images:
        raise ConversionError(f'{path}: no <image> elements')
    for image in images:
        where = f'{path}: <image id="{image.get("id", "?")}">'
        name = image.get('name')
        if not name:
            raise ConversionError(f'{where}: no name attribute')
        where = f'{path}: <image id="{image.get("id", "?")}" name="{name}">'
        try:
            size = (int(image.get('width')), int(image.get('height')))
        except (TypeError, ValueError):
            raise ConversionError(f'{where}: width and height must be '
                                  'integers')
        points, own = [], Counter()  # own: this image's ignored shapes
        for k, shape in enumerate(image):
            if shape.tag != 'points':
                own[shape.tag] += 1
                continue
            label = shape.get('label')
            if labels is not None and label not in labels:
                own[f'points {label!r}'] += 1
                continue
            points += parse_points(
                shape.get('points'),
                f'{where}, <points label="{label}"> (child {k})')
        ignored.update(own)
        yield where, name, size, points, sum(own.values())


def main():
    args = parse_args()
    try:
        writer = CustomFormatWriter(args.out_dir, args.overwrite, args.link,
                                    not args.no_half_pixel_shift)
        ignored = Counter()
        for where, name, size, points, skipped in read_images(
                args.xml, args.labels, ignored):
            if not points and args.empty_as_unlabelled:
                points = None
            writer.add(osp.join(args.image_dir, name), points, where,
                       size=size, ignored_shapes=skipped)
        stats = writer.write()
    except ConversionError as e:
        sys.exit(f'cvat_to_custom.py: error: {e}')
    print(summary(stats, args.out_dir, ignored))


if __name__ == '__main__':
    main()
