import pytest
import torch

from p2r_mm.models.losses import cell_centers, nearest_point_within

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


def test_cell_centers_follow_the_convention():
    c = cell_centers(2, 3, 4)
    assert c.shape == (6, 2)
    # cell (i=1, j=2) -> x = 2*4 + 1.5, y = 1*4 + 1.5
    assert c[1 * 3 + 2].tolist() == [9.5, 5.5]


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
