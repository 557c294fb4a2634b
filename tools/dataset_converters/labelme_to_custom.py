"""Convert LabelMe point annotations to p2r_mm's custom data format.

python tools/dataset_converters/labelme_to_custom.py LABELME_DIR OUT_DIR
    [--labels head] [--unlabelled] [--link] [--overwrite]

LABELME_DIR holds LabelMe's files (``a.json`` beside ``a.jpg``; each lists
``shapes`` with ``shape_type`` ``point``). Every point shape (of the
``--labels`` given, by default all) is a head; other shapes (rectangles,
polygons, ...) are ignored and counted. The image is the file named by
``imagePath``, or, when it is absent, the ``imageData`` embedded in the
JSON. ``--unlabelled`` also copies the images of LABELME_DIR that have no
LabelMe file, as unlabelled images for semi-supervised training.

Writes OUT_DIR/images/ and OUT_DIR/annotations.json, which
``CustomCrowdDataset(data_root=OUT_DIR, ann_file='annotations.json')``
reads; coordinates move from LabelMe's corner origin to p2r_mm's pixel
centres (see custom_format_writer.py).
"""
import argparse
import base64
import binascii
import glob
import json
import math
import os.path as osp
import sys
from collections import Counter

from custom_format_writer import (IMG_SUFFIXES, ConversionError,
                                  CustomFormatWriter, add_output_args,
                                  summary)


def parse_args():
    parser = argparse.ArgumentParser(
        description='LabelMe point annotations -> custom data format')
    parser.add_argument('labelme_dir', help='folder of LabelMe .json files')
    parser.add_argument('out_dir', help='dataset folder to write')
    parser.add_argument('--labels', nargs='+',
                        help='labels of the point shapes that are heads '
                        '(default: every point shape)')
    parser.add_argument('--unlabelled', action='store_true',
                        help='also copy images without a LabelMe file, '
                        'as unlabelled images')
    add_output_args(parser, 'LabelMe')
    return parser.parse_args()


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) \
        and math.isfinite(v)


def read_labelme(path: str, labels, ignored: Counter) -> dict:
    """The image, its stated size, its head points and how many of its
    shapes were ignored (``ignored_shapes``), from one file."""
    try:
        with open(path, encoding='utf-8-sig') as f:  # a BOM is allowed
            ann = json.load(f)
    except (OSError, ValueError) as e:
        raise ConversionError(f'{path}: cannot read the JSON file ({e})')
    if not isinstance(ann, dict) or not isinstance(ann.get('shapes'), list):
        raise ConversionError(f'{path}: not a LabelMe file (expected an '
                              "object with a 'shapes' list)")
    image_path = ann.get('imagePath')
    if not isinstance(image_path, str) or not image_path:
        raise ConversionError(f'{path}: imagePath is missing')
    size = None
    if 'imageWidth' in ann or 'imageHeight' in ann:
        size = (ann.get('imageWidth'), ann.get('imageHeight'))
        if not all(isinstance(v, int) and v > 0 for v in size):
            raise ConversionError(f'{path}: imageWidth/imageHeight must be '
                                  f'positive integers, got {size}')
    points = []
    own = Counter()  # this file's ignored shapes
    for k, shape in enumerate(ann['shapes']):
        where = f'{path}: shapes[{k}]'
        if not isinstance(shape, dict):
            raise ConversionError(f'{where}: not an object')
        # LabelMe files before shape_type existed held polygons only.
        kind = shape.get('shape_type') or 'polygon'
        label = shape.get('label')
        if kind != 'point':
            own[kind] += 1
            continue
        if labels is not None and label not in labels:
            own[f'point {label!r}'] += 1
            continue
        xy = shape.get('points')
        if not (isinstance(xy, list) and len(xy) == 1 and
                isinstance(xy[0], list) and len(xy[0]) == 2 and
                all(is_number(v) for v in xy[0])):
            raise ConversionError(
                f'{where} (label {label!r}): a point shape needs points '
                f'[[x, y]] with two finite numbers, got {xy!r}')
        points.append(xy[0])
    image = osp.join(osp.dirname(path), image_path.replace('\\', '/'))
    data = None
    if not osp.isfile(image):
        if not ann.get('imageData'):
            raise ConversionError(
                f'{path}: image {image} (imagePath) not found, and the file '
                'embeds no imageData')
        try:
            data = base64.b64decode(ann['imageData'], validate=True)
        except (binascii.Error, TypeError, ValueError) as e:
            raise ConversionError(f'{path}: imageData is not base64 ({e})')
    ignored.update(own)
    return dict(image=image, points=points, size=size, data=data,
                name=osp.basename(image), ignored_shapes=sum(own.values()))


def main():
    args = parse_args()
    files = sorted(glob.glob(osp.join(args.labelme_dir, '*.json')))
    try:
        if not files:
            raise ConversionError(f'{args.labelme_dir}: no LabelMe .json '
                                  'files')
        writer = CustomFormatWriter(args.out_dir, args.overwrite, args.link,
                                    not args.no_half_pixel_shift)
        ignored = Counter()
        annotated = set()
        # Converting in place (--overwrite): the annotations.json an earlier
        # run wrote there is not a LabelMe file.
        files = [f for f in files if not (osp.exists(writer.ann_file) and
                                          osp.samefile(f, writer.ann_file))]
        for path in files:
            entry = read_labelme(path, args.labels, ignored)
            writer.add(entry['image'], entry['points'], path,
                       size=entry['size'], data=entry['data'],
                       name=entry['name'],
                       ignored_shapes=entry['ignored_shapes'])
            annotated.add(osp.abspath(entry['image']))
        if args.unlabelled:
            for image in sorted(glob.glob(osp.join(args.labelme_dir, '*'))):
                if image.lower().endswith(IMG_SUFFIXES) and \
                        osp.abspath(image) not in annotated:
                    writer.add(image, None, image)
        stats = writer.write()
    except ConversionError as e:
        sys.exit(f'labelme_to_custom.py: error: {e}')
    print(summary(stats, args.out_dir, ignored))


if __name__ == '__main__':
    main()
