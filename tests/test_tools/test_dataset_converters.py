"""tools/dataset_converters/{labelme,cvat}_to_custom.py on files written
here in the tools' own formats, read back with CustomCrowdDataset."""
import base64
import json
import os
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from p2r_mm.datasets import CustomCrowdDataset
from ..test_apis.tiny_counter import REPO, random_image

LABELME = 'tools/dataset_converters/labelme_to_custom.py'
CVAT = 'tools/dataset_converters/cvat_to_custom.py'


def run(*args, ok=True):
    out = subprocess.run([sys.executable, *map(str, args)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert (out.returncode == 0) == ok, out.stdout + out.stderr[-3000:]
    if not ok:
        assert 'Traceback' not in out.stderr, out.stderr
    return out


def load(root, **kwargs):
    dataset = CustomCrowdDataset(data_root=str(root),
                                 ann_file='annotations.json', **kwargs)
    return {os.path.basename(d['img_path']): d for d in dataset}


def labelme_file(path, image_path, shapes, width=40, height=30, data=None):
    path.write_text(json.dumps(dict(
        version='5.4.1', flags={}, imagePath=image_path, imageData=data,
        imageWidth=width, imageHeight=height,
        shapes=[dict(label=label, points=points, group_id=None,
                     shape_type=kind, flags={})
                for label, kind, points in shapes])))


def point(x, y, label='head'):
    return (label, 'point', [[x, y]])


def labelme_folder(tmp_path, images):
    """``tmp_path/labelme`` with, per ``{image name: shapes}`` entry, a
    40x30 image and its LabelMe file ``<image name>.json``."""
    src = tmp_path / 'labelme'
    src.mkdir()
    for name, shapes in images.items():
        cv2.imwrite(str(src / name), random_image(30, 40))
        labelme_file(src / f'{name}.json', name, shapes)
    return src


def test_labelme_points_become_custom_annotations(tmp_path):
    src = tmp_path / 'labelme'
    src.mkdir()
    cv2.imwrite(str(src / 'a.jpg'), random_image(30, 40))
    labelme_file(src / 'a.json', 'a.jpg', [
        point(10.5, 20.5), point(0.2, 29.9), point(40, 0),
        ('head', 'rectangle', [[1, 1], [5, 5]]), point(3, 3, 'dog')])
    # b.png exists only as the imageData LabelMe embeds.
    png = cv2.imencode('.png', random_image(30, 40, seed=1))[1].tobytes()
    labelme_file(src / 'b.json', 'b.png', [point(5.5, 6.5)],
                 data=base64.b64encode(png).decode())
    cv2.imwrite(str(src / 'c.jpg'), random_image(30, 40, seed=2))
    out = tmp_path / 'custom'
    log = run(LABELME, src, out, '--labels', 'head', '--unlabelled').stdout
    assert 'wrote 3 images (2 labelled, 4 points)' in log
    assert "rectangle: 1" in log and "point 'dog': 1" in log
    data = load(out, allow_unannotated=True)
    # Corner origin -> pixel centres: -0.5, the outer half pixel clipped.
    assert data['a.jpg']['gt_points'].tolist() == [[10, 20], [0, 29],
                                                   [39, 0]]
    assert data['b.png']['gt_points'].tolist() == [[5, 6]]
    assert (out / 'images' / 'b.png').read_bytes() == png
    assert not data['c.jpg']['has_gt']

    refused = run(LABELME, src, out, ok=False)
    assert 'already exists' in refused.stderr
    log = run(LABELME, src, out, '--overwrite',
              '--no-half-pixel-shift').stdout
    # c.jpg, copied by the first run, is left alone and named.
    assert 'also holds 1 images that this conversion did not write (e.g. ' \
        'c.jpg)' in log
    assert load(out, allow_unannotated=True)['b.png'][
        'gt_points'].tolist() == [[5.5, 6.5]]


@pytest.mark.parametrize('shapes,message', [
    ([point(1, 1), ('head', 'point', [[1, 1], [2, 2]])],
     r"bad.json: shapes\[1\] \(label 'head'\): a point shape needs"),
    ([('head', 'point', [[1, 'x']])], r'bad.json: shapes\[0\]'),
    ([point(50, 3)], r'bad.json: point 0 \(50, 3\) lies outside the 40x30'),
])
def test_labelme_errors_name_the_file_and_the_shape(tmp_path, shapes,
                                                    message):
    src = tmp_path / 'labelme'
    src.mkdir()
    cv2.imwrite(str(src / 'bad.jpg'), random_image(30, 40))
    labelme_file(src / 'bad.json', 'bad.jpg', shapes)
    failed = run(LABELME, src, tmp_path / 'out', ok=False)
    assert re.search(message, failed.stderr), failed.stderr
    assert not (tmp_path / 'out' / 'annotations.json').exists()


def test_labelme_missing_image_and_wrong_size(tmp_path):
    src = tmp_path / 'labelme'
    src.mkdir()
    labelme_file(src / 'gone.json', 'gone.jpg', [point(1, 1)])
    failed = run(LABELME, src, tmp_path / 'out', ok=False)
    assert 'gone.json: image' in failed.stderr
    assert 'not found' in failed.stderr
    os.remove(src / 'gone.json')
    cv2.imwrite(str(src / 'a.jpg'), random_image(30, 40))
    labelme_file(src / 'a.json', 'a.jpg', [point(1, 1)], width=30, height=40)
    failed = run(LABELME, src, tmp_path / 'out', ok=False)
    assert 'a.json: the annotation says 30x40 but the image is 40x30' \
        in failed.stderr


CVAT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><name>crowd</name></task></meta>
  <image id="0" name="a.jpg" width="40" height="30">
    <points label="head" source="manual" occluded="0"
            points="10.50,20.50;0.20,29.90" z_order="0"></points>
    <points label="head" occluded="1" points="30.5,5.5" z_order="0"/>
    <box label="head" occluded="0" xtl="1" ytl="1" xbr="5" ybr="5"/>
    <points label="car" points="3,3"/>
  </image>
  <image id="1" name="sub/b.jpg" width="40" height="30">
  </image>
  {extra}
</annotations>
"""


def write_cvat(tmp_path, extra=''):
    images = tmp_path / 'frames'
    (images / 'sub').mkdir(parents=True)
    cv2.imwrite(str(images / 'a.jpg'), random_image(30, 40))
    cv2.imwrite(str(images / 'sub' / 'b.jpg'), random_image(30, 40, seed=1))
    xml = tmp_path / 'annotations.xml'
    xml.write_text(CVAT_XML.format(extra=extra))
    return xml, images


def test_cvat_points_become_custom_annotations(tmp_path):
    xml, images = write_cvat(tmp_path)
    out = tmp_path / 'custom'
    log = run(CVAT, xml, images, out, '--labels', 'head').stdout
    assert 'wrote 2 images (2 labelled, 3 points)' in log
    assert "box: 1" in log and "points 'car': 1" in log
    data = load(out)
    assert data['a.jpg']['gt_points'].tolist() == [[10, 20], [0, 29],
                                                   [30, 5]]
    assert data['b.jpg']['gt_points'].shape == (0, 2)  # no heads
    run(CVAT, xml, images, out, '--overwrite', '--empty-as-unlabelled')
    data = load(out, allow_unannotated=True)
    assert len(data['a.jpg']['gt_points']) == 4  # car included
    assert not data['b.jpg']['has_gt']


@pytest.mark.parametrize('extra,message', [
    ('<image id="2" name="a.jpg" width="40" height="30"/>',
     'id="2" name="a.jpg">: another image is also named'),
    ('<image id="7" name="c.jpg" width="40" height="30">'
     '<points label="head" points="1,2;3"/></image>',
     'id="7" name="c.jpg">, <points label="head"> (child 0): cannot read '
     'points=\'1,2;3\''),
    ('<image id="8" name="c.jpg" width="41" height="30"/>',
     'the annotation says 41x30 but the image is 40x30'),
    ('<image id="9" name="none.jpg" width="40" height="30"/>',
     'name="none.jpg">: image'),
    ('<track id="0" label="head"></track>', 'CVAT for video'),
    ('<image id="3" width="40" height="30"/>', '<image id="3">: no name'),
])
def test_cvat_errors_name_the_file_and_the_element(tmp_path, extra,
                                                   message):
    xml, images = write_cvat(tmp_path, extra)
    if 'c.jpg' in extra:
        cv2.imwrite(str(images / 'c.jpg'), random_image(30, 40))
    failed = run(CVAT, xml, images, tmp_path / 'out', ok=False)
    assert 'annotations.xml' in failed.stderr
    assert message in failed.stderr, failed.stderr
    assert not (tmp_path / 'out').exists()


def test_cvat_unreadable_xml(tmp_path):
    xml = tmp_path / 'annotations.xml'
    xml.write_text('<annotations><image id="0"')
    failed = run(CVAT, xml, tmp_path, tmp_path / 'out', ok=False)
    assert 'annotations.xml: cannot read the XML file' in failed.stderr
    assert not (tmp_path / 'out').exists()


def write_rotated_jpeg(path, orientation=6):
    """A 40x30 (width x height) stored grid, black with a white 6x6 block
    in its top-left corner, and an EXIF orientation tag: 6 means viewers
    turn it 90 degrees clockwise, showing 30x40 with the block top-right.
    """
    grid = np.zeros((30, 40, 3), np.uint8)
    grid[:6, :6] = 255
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(grid).save(path, 'JPEG', quality=95, exif=exif)


def test_labelme_on_an_exif_rotated_photo_writes_it_upright(tmp_path):
    """LabelMe shows (and annotates) the photo turned as its EXIF tag says;
    the converted image is stored that way, so the points stay on it."""
    src = tmp_path / 'labelme'
    src.mkdir()
    write_rotated_jpeg(src / 'phone.jpg')
    # Displayed 30 wide, 40 high; a head on the white block (top-right).
    labelme_file(src / 'phone.json', 'phone.jpg', [point(27.5, 2.5)],
                 width=30, height=40)
    out = tmp_path / 'custom'
    log = run(LABELME, src, out).stdout
    assert '1 images carry an EXIF rotation and were written upright' in log
    with Image.open(out / 'images' / 'phone.jpg') as img:
        assert img.size == (30, 40)
        assert img.getexif().get(0x0112, 1) == 1
        pixels = np.asarray(img.convert('L'))
    assert pixels[:6, -6:].mean() > 200 and pixels[10:, :20].mean() < 30
    data = load(out)['phone.jpg']
    assert data['gt_points'].tolist() == [[27, 2]]
    # Its stored size, the pre-rotation one, is refused with the reason.
    labelme_file(src / 'phone.json', 'phone.jpg', [point(27.5, 2.5)],
                 width=40, height=30)
    failed = run(LABELME, src, tmp_path / 'other', ok=False)
    assert 'the annotation says 40x30 but the image is 30x40 pixels (width ' \
        'x height) as displayed (its EXIF orientation 6' in failed.stderr


def test_cvat_on_an_exif_rotated_photo_writes_it_upright(tmp_path):
    images = tmp_path / 'frames'
    images.mkdir()
    write_rotated_jpeg(images / 'phone.jpg', orientation=3)  # 180 degrees
    xml = tmp_path / 'annotations.xml'
    xml.write_text(CVAT_XML.split('<image id="0"')[0] +
                   '<image id="0" name="phone.jpg" width="40" height="30">'
                   '<points label="head" points="37.5,27.5"/></image>'
                   '</annotations>')
    out = tmp_path / 'custom'
    run(CVAT, xml, images, out)
    with Image.open(out / 'images' / 'phone.jpg') as img:
        pixels = np.asarray(img.convert('L'))
    assert pixels[-6:, -6:].mean() > 200  # the block, turned to the corner
    assert load(out)['phone.jpg']['gt_points'].tolist() == [[37, 27]]


def test_names_differing_only_in_extension_are_refused(tmp_path):
    src = labelme_folder(tmp_path, {'a.jpg': [point(1, 1)],
                                    'a.png': [point(1, 1)]})
    failed = run(LABELME, src, tmp_path / 'out', ok=False)
    assert "'a.png' and 'a.jpg'" in failed.stderr
    assert 'differ only in their extension' in failed.stderr


def test_images_whose_only_shapes_are_ignored_are_named(tmp_path):
    box = ('head', 'rectangle', [[1, 1], [5, 5]])
    src = labelme_folder(tmp_path, {'a.jpg': [point(3, 3)], 'b.jpg': [box],
                                    'c.jpg': []})
    log = run(LABELME, src, tmp_path / 'out').stdout
    # b.jpg was boxed, not pointed; c.jpg is a real "no heads" image.
    assert 'warning: 1 images were written with no heads although they ' \
        'hold other shapes (wrong label or shape type?): b.jpg' in log
    os.remove(src / 'a.jpg.json')
    failed = run(LABELME, src, tmp_path / 'out2', ok=False)
    assert 'no head points in any of the 2 annotated images, but 1 of them ' \
        'hold other shapes' in failed.stderr


def test_labelme_with_a_bom_and_converted_in_place(tmp_path):
    src = labelme_folder(tmp_path, {'a.jpg': [point(10.5, 20.5)]})
    text = (src / 'a.jpg.json').read_text()
    (src / 'a.jpg.json').write_bytes(b'\xef\xbb\xbf' + text.encode())
    run(LABELME, src, src)
    # Again, in place: its own annotations.json is not a LabelMe file.
    log = run(LABELME, src, src, '--overwrite').stdout
    assert 'wrote 1 images (1 labelled, 1 points)' in log
    assert load(src)['a.jpg']['gt_points'].tolist() == [[10, 20]]
