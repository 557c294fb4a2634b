import numpy as np
import pytest

from p2r_mm.datasets.point_checks import (apply_out_of_image, as_xy_array,
                                          inside_image, off_grid_distance)


def test_as_xy_array_lenient_for_files_exact_for_pipelines():
    # From a file: lists, numeric strings and any empty value are accepted.
    got = as_xy_array([[1, 2], ['3.5', 4]], 'a.json')
    assert got.dtype == np.float32 and got.tolist() == [[1, 2], [3.5, 4]]
    assert as_xy_array(np.zeros((0, 0)), 'a.mat').shape == (0, 2)
    # In a pipeline: an (N, 2) number array already, or an error.
    points = np.array([[1, 2]], np.int64)
    exact = as_xy_array(points, "'x.jpg'", 'gt_points', exact=True)
    assert exact.dtype == np.float32 and exact.flags.c_contiguous
    assert as_xy_array(np.zeros((0, 2)), 'x', exact=True).shape == (0, 2)
    for bad in (np.zeros((0, 3)), np.array([['1', '2']]),
                np.array([[True, False]])):
        with pytest.raises(ValueError, match=r"'x.jpg': gt_points .*\(N, 2\)"):
            as_xy_array(bad, "'x.jpg'", 'gt_points', exact=True)


@pytest.mark.parametrize('exact', [False, True])
def test_as_xy_array_rejects_bad_values_naming_the_source(exact):
    with pytest.raises(ValueError, match=r'a.json: points must have shape'):
        as_xy_array(np.zeros((3, 3)), 'a.json', exact=exact)
    with pytest.raises(ValueError, match='a.json: points contain NaN or inf'):
        as_xy_array(np.array([[1.0, np.inf]]), 'a.json', exact=exact)
    with pytest.raises(ValueError, match='a.json: negative sizes at rows'):
        as_xy_array(np.array([[1.0, -2.0]]), 'a.json', 'sizes',
                    nonnegative=True, exact=exact)


def test_the_two_inside_rules_side_by_side():
    # A 4 x 3 (w x h) image: pixel centres x = 0..3, y = 0..2.
    points = np.array([[0.0, 0.0], [3.0, 2.0], [-0.4, 0.0], [3.4, 2.4],
                       [-0.5, -0.5], [3.5, 1.0]], np.float32)
    # Annotations: on the grid of pixel centres, or how far off it.
    np.testing.assert_allclose(off_grid_distance(points, 4, 3),
                               [0, 0, 0.4, 0.4, 0.5, 0.5], rtol=1e-6)
    # Transformed points: inside the area of the pixels (half-open).
    assert inside_image(points, 4, 3).tolist() == [True, True, True, True,
                                                   True, False]
    clipped, _, n_out, worst = apply_out_of_image(points, None, 4, 3, 'clip')
    assert n_out == 4 and worst == pytest.approx(0.5)
    assert (off_grid_distance(clipped, 4, 3) == 0).all()
