import numpy as np

from p2r_mm.datasets.transforms.point_geometry import content_hw, pad_to


def test_content_hw_is_the_image_inside_its_padding():
    results = dict(img=np.zeros((20, 30, 3), np.uint8))
    assert content_hw(results) == (20, 30)  # no img_shape: the whole array
    results['img_shape'] = (20, 30)
    pad_to(results, (32, 32))
    assert results['img'].shape[:2] == (32, 32)
    assert content_hw(results) == (20, 30)
    # An img_shape larger than the array is bounded by it.
    results['img_shape'] = (40, 40)
    assert content_hw(results) == (32, 32)
