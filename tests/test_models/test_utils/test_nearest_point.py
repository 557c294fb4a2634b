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


def grid_points(g, h, w, stride, density=0.3):
    """Pseudo-label-like points: centres of random cells, in
    ``torch.nonzero``'s row-major order (row, then column)."""
    on = torch.rand(h, w, generator=g) < density
    ij = on.nonzero()
    return cell_centers(1, 1, stride)[0] + stride * ij.flip(1).float()


def first_nearest(points, point_batch, B, h, w, stride, max_dist):
    """The official rule: the first (lowest-index) of the nearest points,
    on exact squared distances (numpy's argmin returns the first)."""
    import numpy as np
    centers = cell_centers(h, w, stride, dtype=torch.float64).numpy()
    pts = points.double().numpy()
    owner = torch.full((B * h * w, ), -1)
    for b in range(B):
        idx = (point_batch == b).nonzero().flatten().numpy()
        if len(idx) == 0:
            continue
        d2 = ((centers[:, None] - pts[idx][None])**2).sum(-1)
        k = d2.argmin(axis=1)
        keep = np.sqrt(d2[np.arange(len(k)), k]) < max_dist
        owner[b * h * w:(b + 1) * h * w] = torch.from_numpy(
            np.where(keep, idx[k], -1))
    return owner


@pytest.mark.parametrize('backend,max_pairs', [('kdtree', 1 << 22),
                                               ('window', 1 << 22),
                                               ('window', 300)])
@pytest.mark.parametrize('seed', range(4))
def test_tied_cells_go_to_the_lowest_point_index(backend, max_pairs, seed):
    # Points on the cell centres tie constantly: a cell between two
    # pseudo-points two cells apart is exactly as far from both.
    g = torch.Generator().manual_seed(seed)
    B, h, w, stride = 3, 12, 16, 4
    per_image = [grid_points(g, h, w, stride, density) for density in
                 (0.05, 0.3, 0.0)]
    points = torch.cat(per_image)
    point_batch = torch.cat([torch.full((len(p), ), b)
                             for b, p in enumerate(per_image)])
    owner, _ = nearest_point_within(points, point_batch, B, h, w, stride,
                                    96.0, backend, max_pairs)
    expected = first_nearest(points, point_batch, B, h, w, stride, 96.0)
    assert torch.equal(owner, expected)


def test_ties_are_common_and_both_backends_resolve_them_alike():
    g = torch.Generator().manual_seed(7)
    points = grid_points(g, 24, 32, 4, 0.1)
    batch = torch.zeros(len(points), dtype=torch.long)
    centers = cell_centers(24, 32, 4, dtype=torch.float64)
    d2 = ((centers[:, None] - points.double()[None])**2).sum(-1)
    tied = (d2 == d2.min(dim=1, keepdim=True).values).sum(1) > 1
    assert tied.sum() > 100  # the case this rule is for
    kd, _ = nearest_point_within(points, batch, 1, 24, 32, 4, 96.0, 'kdtree')
    win, _ = nearest_point_within(points, batch, 1, 24, 32, 4, 96.0, 'window')
    assert torch.equal(kd, win)
    # Reversing the points' order hands the tied cells to other points.
    rev, _ = nearest_point_within(points.flip(0), batch, 1, 24, 32, 4, 96.0,
                                  'kdtree')
    assert not torch.equal(len(points) - 1 - rev, kd)


def test_many_way_ties_beyond_the_first_query():
    # Twelve points at exactly 20 px from one cell centre (3-4-5 and 0-5
    # triangles, scaled by 4): more tied points than the first k-nearest
    # query holds.
    stride, c = 4, 41.5  # the centre of cell (10, 10)
    offsets = [(0, 5), (0, -5), (5, 0), (-5, 0), (3, 4), (3, -4), (-3, 4),
               (-3, -4), (4, 3), (4, -3), (-4, 3), (-4, -3)]
    pts = torch.tensor([[c + 4 * dx, c + 4 * dy] for dx, dy in offsets])
    order = torch.randperm(len(pts),
                           generator=torch.Generator().manual_seed(0))
    pts = pts[order]
    batch = torch.zeros(len(pts), dtype=torch.long)
    for backend in ('kdtree', 'window'):
        owner, dist = nearest_point_within(pts, batch, 1, 21, 21, stride,
                                           96.0, backend)
        assert owner[10 * 21 + 10] == 0, backend
        assert dist[10 * 21 + 10] == 20.0
