"""CrowdVisualizationHook draws on the photo's true colours."""
import cv2
import numpy as np

from p2r_mm.engine.hooks.crowd_visualization_hook import read_rgb


def test_read_rgb_gives_rgb_of_the_stored_grid(tmp_path):
    bgr = np.zeros((4, 6, 3), np.uint8)
    bgr[..., 0] = 200  # blue, as OpenCV stores it
    bgr[..., 2] = 10
    path = str(tmp_path / 'blue.png')
    cv2.imwrite(path, bgr)
    rgb = read_rgb(path)
    assert rgb.shape == (4, 6, 3)
    assert (rgb[..., 2] == 200).all() and (rgb[..., 0] == 10).all()
