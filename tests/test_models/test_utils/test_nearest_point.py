import pytest
import torch

from p2r_mm.models.utils import (cell_centers, nearest_point_within,
                                 region_radii)

# cdist's default matrix-product mode is only accurate to ~1e-5.
EXACT = 'donot_use_mm_for_euclid_dist'


def dense_nearest(points, point_batch, B, h, w, stride, max_dist):
    centers = cell_centers(h, w, stride)
    owner = torch.full((B * h * w, ), -1)
    dist = torch.full((B * h * w, ), float('inf'))
    for b in range(B):
        idx = (point_batch == b).nonzero().flatten()
        if len(idx) == 0:
            continue
        d, k = torch.cdist(centers, points[idx], compute_mode=EXACT).min(dim=1)
        keep = d < max_dist
        sl = slice(b * h * w, (b + 1) * h * w)
        owner[sl] = torch.where(keep, idx[k], -1)
        dist[sl] = torch.where(keep, d, torch.tensor(float('inf')))
    return owner, dist


@pytest.mark.parametrize('backend,max_pairs', [('kdtree', 1 << 22),
                                               ('window', 1 << 22),
                                               ('window', 500)])
@pytest.mark.parametrize('seed', range(3))
def test_backends_agree_with_dense_search(backend, max_pairs, seed):
    g = torch.Generator().manual_seed(seed)
    B, h, w, stride, R = 4, 17, 23, 4, 20.0
    n = 60
    points = torch.rand(n, 2, generator=g) * torch.tensor(
        [w * stride + 80.0, h * stride + 80.0]) - 40.0
    point_batch = torch.randint(0, B - 1, (n, ), generator=g)  # B-1: empty
    owner, dist = nearest_point_within(points, point_batch, B, h, w, stride,
                                       R, backend, max_pairs)
    ref_owner, ref_dist = dense_nearest(points, point_batch, B, h, w, stride,
                                        R)
    assert torch.equal(owner, ref_owner)
    assert torch.allclose(dist, ref_dist, rtol=1e-6)
    assert (owner[(B - 1) * h * w:] == -1).all()


def test_no_points():
    owner, dist = nearest_point_within(torch.zeros(0, 2),
                                       torch.zeros(0, dtype=torch.long), 2, 3,
                                       3, 4, 10.0)
    assert (owner == -1).all() and torch.isinf(dist).all()


def test_unknown_backend():
    with pytest.raises(ValueError, match='backend'):
        nearest_point_within(torch.zeros(1, 2), torch.zeros(1).long(), 1, 2,
                             2, 4, 5.0, backend='brute')


def test_region_radii_are_the_farthest_cell_clamped():
    # Point 0 owns cells at 3, 20 and 50 px; point 1 one cell at 2 px;
    # point 2 owns none.
    region = torch.tensor([0, 0, 1, 0])
    dist = torch.tensor([3.0, 20.0, 2.0, 50.0])
    radii = region_radii(region, dist, 3, min_radius=8.0, max_radius=40.0)
    assert radii.tolist() == [40.0, 8.0, 8.0]
    radii = region_radii(region, dist.double(), 3, 1.0, 96.0)
    assert radii.dtype == torch.float64 and radii.tolist() == [50.0, 2.0, 1.0]
