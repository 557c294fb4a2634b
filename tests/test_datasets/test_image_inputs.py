"""Images outside a dataset through a dataset pipeline (without its
annotation loading) and a model's data preprocessor."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.model import BaseModel

from p2r_mm.datasets.image_inputs import (build_image_pipelines, load_image,
                                          prepare_image)

PIPELINE = [
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),  # no annotation file: dropped
    dict(type='ResizeLongSide', max_size=40),
    dict(type='PackCrowdInputs'),
]


class Preprocessing(BaseModel):
    """Only what prepare_image uses: a data preprocessor."""

    def __init__(self):
        super().__init__(data_preprocessor=dict(
            type='p2r_mm.CountingDataPreprocessor'))

    def forward(self, *args, **kwargs):
        raise NotImplementedError


@pytest.fixture
def image(tmp_path):
    """A 50 x 80 (h x w) BGR image and its PNG file."""
    img = np.random.default_rng(0).integers(
        0, 256, (50, 80, 3)).astype(np.uint8)
    path = str(tmp_path / 'crowd.png')
    cv2.imwrite(path, img)
    return img, path


def test_files_and_arrays_go_through_the_same_steps(image):
    img, path = image
    pipelines = build_image_pipelines(PIPELINE)
    from_file = load_image(path, 0, pipelines)
    from_array = load_image(img, 1, pipelines)
    assert tuple(from_file['inputs'].shape) == (3, 25, 40)
    assert torch.equal(from_file['inputs'], from_array['inputs'])
    sample = from_file['data_samples']
    assert sample.img_path == path and sample.gt_points is None
    assert from_array['data_samples'].img_id == 1


def test_a_pipeline_without_a_loader_gets_one(image):
    _, path = image
    pipelines = build_image_pipelines([dict(type='PackCrowdInputs')])
    assert tuple(load_image(path, 0, pipelines)['inputs'].shape) == \
        (3, 50, 80)


def test_bad_images_name_the_problem(image, tmp_path):
    pipelines = build_image_pipelines(PIPELINE)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        load_image(str(tmp_path / 'missing.png'), 0, pipelines)
    with pytest.raises(ValueError, match=r'image 3: .*uint8'):
        load_image(np.zeros((8, 8, 3), np.float32), 3, pipelines)


def test_prepared_image_is_normalised_padded_and_kept_as_rgb(image):
    img, path = image
    inputs, sample, rgb = prepare_image(
        Preprocessing(), path, build_image_pipelines(PIPELINE))
    assert tuple(inputs.shape) == (1, 3, 32, 64)  # padded to /32
    assert sample.img_shape == (25, 40) and sample.pad_shape == (32, 64)
    resized = cv2.resize(img, (40, 25), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(rgb, resized[..., ::-1])
    assert float(inputs[0, :, 25:].abs().max()) == 0  # the padding
