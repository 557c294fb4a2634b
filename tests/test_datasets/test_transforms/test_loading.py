import cv2
import mmcv
import numpy as np
import pytest
from PIL import Image

from p2r_mm.datasets.image_integrity import DamagedImageError
from p2r_mm.datasets.transforms.loading import (LoadCrowdAnnotations,
                                                LoadCrowdImage,
                                                LoadImageFromArray)
from p2r_mm.registry import TRANSFORMS


def write_png(path, h=20, w=30):
    img = np.random.RandomState(0).randint(0, 256, (h, w, 3), np.uint8)
    assert cv2.imwrite(str(path), img)
    return img


def test_load_sets_image_and_initial_geometry(tmp_path):
    path = tmp_path / 'a.png'
    img = write_png(path)
    out = LoadCrowdImage()(dict(img_path=str(path), width=30, height=20))
    np.testing.assert_array_equal(out['img'], img)
    assert out['img'].dtype == np.uint8
    assert out['img_shape'] == out['ori_shape'] == (20, 30)
    assert out['scale_factor'] == (1.0, 1.0)
    assert out['flip'] is False and out['flip_direction'] is None


def test_load_from_array_sets_the_same_keys_and_is_registered():
    img = np.zeros((20, 30, 3), np.uint8)
    out = TRANSFORMS.build(dict(type='LoadImageFromArray'))(dict(img=img))
    assert out['img'] is img and out['img_path'] is None
    assert out['img_shape'] == out['ori_shape'] == (20, 30)
    assert out['scale_factor'] == (1.0, 1.0)
    assert out['flip'] is False and out['flip_direction'] is None
    named = LoadImageFromArray()(dict(img=img, img_path='frame_3'))
    assert named['img_path'] == 'frame_3'


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / 'nowhere' / 'missing.jpg'
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        LoadCrowdImage()(dict(img_path=str(path)))


def test_corrupt_jpeg_names_the_file(tmp_path):
    path = tmp_path / 'corrupt.jpg'
    path.write_bytes(np.random.RandomState(1).bytes(2000))
    with pytest.raises(ValueError, match='corrupt.jpg'):
        LoadCrowdImage()(dict(img_path=str(path)))
    assert LoadCrowdImage(ignore_empty=True)(dict(img_path=str(path))) is None


def test_size_mismatch_with_annotation_names_the_file(tmp_path):
    path = tmp_path / 'b.png'
    write_png(path)
    with pytest.raises(ValueError, match='b.png.*30x20.*20x30'):
        LoadCrowdImage()(dict(img_path=str(path), width=20, height=30))
    out = LoadCrowdImage(check_size=False)(
        dict(img_path=str(path), width=20, height=30))
    assert out['img_shape'] == (20, 30)


def test_exif_rotation_is_not_applied(tmp_path):
    # points refer to the stored pixel grid, whatever the EXIF tag says
    path = tmp_path / 'rotated.jpg'
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.new('RGB', (30, 20)).save(path, exif=exif)
    out = LoadCrowdImage()(dict(img_path=str(path), width=30, height=20))
    assert out['img'].shape == (20, 30, 3)
    with pytest.raises(ValueError, match='rotated.jpg'):
        LoadCrowdImage(color_type='color')(
            dict(img_path=str(path), width=30, height=20))


def annotated(points, **extra):
    return dict(img_path='data/img_7.jpg', img_shape=(20, 30),
                gt_points=points, **extra)


def test_annotations_kept_as_float32():
    points = np.array([[0, 0], [29.4, 19.4], [-0.5, -0.5]], np.float64)
    sizes = np.array([[4, 5], [6, 7], [1, 1]], np.int64)
    out = LoadCrowdAnnotations()(annotated(points, gt_head_sizes=sizes))
    assert out['gt_points'].dtype == np.float32
    assert out['gt_head_sizes'].dtype == np.float32
    np.testing.assert_array_equal(out['gt_points'],
                                  points.astype(np.float32))
    np.testing.assert_array_equal(out['gt_head_sizes'], sizes)
    dropped = LoadCrowdAnnotations(with_head_sizes=False)(
        annotated(points, gt_head_sizes=sizes))
    assert 'gt_head_sizes' not in dropped


def test_empty_annotation_is_fine():
    out = LoadCrowdAnnotations()(annotated(np.zeros((0, 2), np.float32)))
    assert out['gt_points'].shape == (0, 2)


@pytest.mark.parametrize('points, message', [
    (np.zeros((3, 3)), r'\(N, 2\)'),
    (np.zeros(4), r'\(N, 2\)'),
    (np.array([['a', 'b']]), r'\(N, 2\)'),
    (np.array([[1.0, np.nan]]), 'NaN'),
    (np.array([[1.0, 2.0], [29.5, 3.0]]), 'outside'),
    (np.array([[1.0, -0.6]]), 'outside'),
    (np.array([[1.0, 19.5]]), 'outside'),
])
def test_bad_points_name_the_file(points, message):
    with pytest.raises(ValueError, match=message) as info:
        LoadCrowdAnnotations()(annotated(points))
    assert 'img_7.jpg' in str(info.value)


@pytest.mark.parametrize('sizes, message', [
    (np.ones((2, 2)), '2 gt_head_sizes for 1'),
    (np.array([[-1.0, 2.0]]), 'negative'),
    (np.array([[np.inf, 2.0]]), 'inf'),
])
def test_bad_head_sizes_name_the_file(sizes, message):
    with pytest.raises(ValueError, match=message) as info:
        LoadCrowdAnnotations()(
            annotated(np.array([[1.0, 2.0]]), gt_head_sizes=sizes))
    assert 'img_7.jpg' in str(info.value)


def test_without_annotation():
    # has_gt=False: whatever placeholder is there is left alone
    results = annotated(np.full((2, 2), 1e6), has_gt=False)
    assert LoadCrowdAnnotations()(results) is results
    with pytest.raises(KeyError, match='img_7.jpg'):
        LoadCrowdAnnotations()(dict(img_path='data/img_7.jpg',
                                    img_shape=(20, 30)))


def test_bounds_from_width_height_before_the_image_is_loaded():
    results = dict(img_path='x.jpg', width=30, height=20,
                   gt_points=np.array([[29.0, 19.0]]))
    LoadCrowdAnnotations()(results)
    results['gt_points'] = np.array([[30.0, 19.0]])
    with pytest.raises(ValueError, match='x.jpg'):
        LoadCrowdAnnotations()(results)


# ------------------------------------------------------------ damaged data
def cut(path, keep=0.8):
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


@pytest.mark.parametrize('name', ['cut.jpg', 'cut.png'])
def test_truncated_image_names_the_file(tmp_path, name):
    path = tmp_path / name
    write_png(path, h=64, w=64)  # random pixels: tens of kB either way
    cut(path)
    with pytest.raises(DamagedImageError, match=f'{name}.*cut short'):
        LoadCrowdImage()(dict(img_path=str(path), width=64, height=64))
    assert LoadCrowdImage(ignore_empty=True)(dict(img_path=str(path))) is None


def test_a_decoder_that_fills_in_grey_is_caught(tmp_path, monkeypatch):
    # libjpeg's default on a cut JPEG (and older OpenCV builds): a warning
    # and grey rows. The check does not depend on the decoder refusing.
    path = tmp_path / 'cut.jpg'
    write_png(path, h=64, w=64)
    cut(path)

    def grey_filling_decoder(data, flag, backend=None):
        return np.full((64, 64, 3), 128, np.uint8)

    monkeypatch.setattr(mmcv, 'imfrombytes', grey_filling_decoder)
    with pytest.raises(DamagedImageError, match='cut.jpg.*cut short'):
        LoadCrowdImage()(dict(img_path=str(path), width=64, height=64))
    out = LoadCrowdImage(check_integrity=False)(
        dict(img_path=str(path), width=64, height=64))
    assert (out['img'] == 128).all()  # what training would have seen


def test_decode_and_size_errors_are_damaged_image_errors(tmp_path):
    # One type for "the file is there but bad", which training replaces.
    path = tmp_path / 'noise.jpg'
    path.write_bytes(np.random.RandomState(1).bytes(2000))
    with pytest.raises(DamagedImageError, match='noise.jpg'):
        LoadCrowdImage()(dict(img_path=str(path)))
    path = tmp_path / 'b.png'
    write_png(path)
    with pytest.raises(DamagedImageError, match='b.png'):
        LoadCrowdImage()(dict(img_path=str(path), width=20, height=30))


def test_load_options_still_apply(tmp_path):
    path = tmp_path / 'a.png'
    img = write_png(path)
    out = LoadCrowdImage(to_float32=True)(dict(img_path=str(path)))
    assert out['img'].dtype == np.float32
    np.testing.assert_array_equal(out['img'], img.astype(np.float32))
    assert 'check_integrity=True' in repr(LoadCrowdImage())


@pytest.mark.parametrize('channels, dtype', [(None, np.uint8),
                                             (4, np.uint8),
                                             (3, np.uint16),
                                             (None, np.uint16)])
def test_grey_rgba_and_16_bit_pngs_load_as_8_bit_bgr(tmp_path, channels,
                                                     dtype):
    shape = (20, 30) if channels is None else (20, 30, channels)
    scale = 257 if dtype == np.uint16 else 1  # 0..255 -> 0..65535
    values = np.random.RandomState(0).randint(0, 256, shape)
    path = tmp_path / 'odd.png'
    assert cv2.imwrite(str(path), (values * scale).astype(dtype))
    out = LoadCrowdImage()(dict(img_path=str(path), width=30, height=20))
    assert out['img'].shape == (20, 30, 3) and out['img'].dtype == np.uint8
    colour = values if channels is None else values[..., :3]
    if channels is None:
        colour = np.repeat(colour[..., None], 3, axis=2)
    np.testing.assert_array_equal(out['img'], colour)
