"""PSAM: against per-point autograd and finite differences, batching and
chunking, the spread scalars, cell mapping, and the command-line tool."""
import math
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from p2r_mm.models.utils import cell_centers
from p2r_mm.registry import MODELS
from p2r_mm.visualization import (compute_psam, effective_area, mass_within,
                                  p2r_radii, psam_spread, top_k_cells)
from ..test_datasets.fake_crowd_data import write_image
from ..test_models.test_counters.test_point_counter import narrow_counter
from ..test_tools.test_train_test_tools import REPO


@pytest.fixture(scope='module')
def tiny():
    torch.manual_seed(0)
    model = narrow_counter().double()
    # Random BN statistics and head weights, so that logits vary.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2.0)
    torch.nn.init.normal_(model.head.cls.weight, std=0.3)
    return model.eval(), torch.randn(1, 3, 64, 96, dtype=torch.float64)


def reference_psam(model, x, cells):
    """One autograd.grad call per point, F computed by hand."""
    feat = model.neck(model.backbone(x)).detach().requires_grad_(True)
    logits = model.head(feat)
    maps = []
    for i, j in cells.tolist():
        (g, ) = torch.autograd.grad(logits[0, 0, i, j], feat,
                                    retain_graph=True)
        maps.append(torch.relu((g * feat).sum(1))[0])
    return torch.stack(maps)


def test_equals_per_point_autograd_and_finite_differences(tiny):
    model, x = tiny
    cells = torch.tensor([[0, 0], [3, 7], [15, 23], [8, 12], [3, 8]])
    out = compute_psam(model, x, cells=cells)
    assert out.raw.shape == (5, 8, 12) and out.maps.shape == (5, 64, 96)
    torch.testing.assert_close(out.raw, reference_psam(model, x, cells),
                               rtol=1e-9, atol=1e-12)
    assert (out.raw > 0).any() and (out.maps >= 0).all()
    # Pre-ReLU PSAM at position p = d/dt L(F + t * F * 1_p) at t = 0.
    with torch.no_grad():
        feat = model.neck(model.backbone(x))
        (i, j), eps = cells[1].tolist(), 1e-6
        fd = torch.zeros(8, 12, dtype=torch.float64)
        for p in range(8 * 12):
            bump = torch.zeros_like(feat)
            bump[..., p // 12, p % 12] = feat[..., p // 12, p % 12] * eps
            fd.view(-1)[p] = (model.head(feat + bump)[0, 0, i, j] -
                              model.head(feat - bump)[0, 0, i, j]) / (2 * eps)
    torch.testing.assert_close(out.raw[1], fd.relu(), rtol=1e-5, atol=1e-9)
    # The upsampled maps are the raw ones, bilinearly, at input size.
    up = torch.nn.functional.interpolate(
        out.raw[:, None], size=(64, 96), mode='bilinear')[:, 0]
    torch.testing.assert_close(out.maps, up)


def test_batched_chunked_and_query_forms_agree(tiny):
    model, x = tiny
    ref = compute_psam(model, x, top_k=7)
    assert ref.logits.tolist() == sorted(ref.logits.tolist(), reverse=True)
    for chunk in (1, 3, 100):
        got = compute_psam(model, x, cells=ref.cells, chunk_size=chunk)
        torch.testing.assert_close(got.raw, ref.raw, rtol=1e-10, atol=0)
    by_points = compute_psam(model, x, points=ref.points + 1.2)
    assert torch.equal(by_points.cells, ref.cells)
    torch.testing.assert_close(by_points.maps, ref.maps)
    # A backbone layer (a BN whose output an in-place ReLU overwrites):
    # another map size, the same logits.
    assert model.backbone.features[22].inplace
    deep = compute_psam(model, x, cells=ref.cells,
                        layer='backbone.features.21')
    assert deep.raw.shape == (7, 16, 24) and deep.raw.any()
    torch.testing.assert_close(deep.logits, ref.logits)


def test_model_state_is_restored_and_params_get_no_grad(tiny):
    model, x = tiny
    model.train()
    model.head.cls.bias.requires_grad_(False)
    try:
        with torch.no_grad():  # works inside no_grad too
            out = compute_psam(model, x.float().double(), top_k=2,
                               img_shape=(50, 70))
        assert out.maps.shape == (2, 50, 70) and out.raw.any()
        assert all(m.training for m in model.modules())
        assert all(p.grad is None for p in model.parameters())
        assert not model.head.cls.bias.requires_grad
        assert model.head.cls.weight.requires_grad
        # top-k never picks padding cells (13 x 18 cover 50 x 70).
        assert (out.cells < torch.tensor([13, 18])).all()
    finally:
        model.head.cls.bias.requires_grad_(True)
        model.eval()


def test_semi_model_uses_its_predict_on_model(tiny):
    counter = dict(type='PointCounter',
                   backbone=dict(type='VGG16BN', base_channels=4),
                   neck=dict(type='TopDownFusionNeck', in_channels=(32, 32),
                             out_channels=16),
                   head=dict(type='PointClassificationHead', in_channels=16,
                             feat_channels=16))
    semi = MODELS.build(dict(type='SemiPointCounter', counter=counter,
                             semi_test_cfg=dict(predict_on='teacher')))
    torch.nn.init.normal_(semi.teacher.head.cls.weight, std=0.3)
    x = torch.randn(1, 3, 32, 32)
    got = compute_psam(semi, x, top_k=3)
    ref = compute_psam(semi.teacher, x, cells=got.cells)
    torch.testing.assert_close(got.raw, ref.raw)
    assert not torch.equal(
        compute_psam(semi.student, x, cells=got.cells).logits, got.logits)


def test_bad_queries_and_layers(tiny):
    model, x = tiny
    with pytest.raises(ValueError, match='exactly one'):
        compute_psam(model, x, top_k=2, cells=[[0, 0]])
    with pytest.raises(ValueError, match='no layer'):
        compute_psam(model, x, top_k=2, layer='neck.nope')
    with pytest.raises(TypeError, match='layer inside'):
        compute_psam(model, x, top_k=2, layer='backbone')
    with pytest.raises(ValueError, match='outside'):
        compute_psam(model, x, points=[[96.0, 3.0]])
    with pytest.raises(ValueError, match='outside'):
        compute_psam(model, x, cells=[[16, 0]])


def test_spread_of_hand_made_maps():
    H, W, q = 40, 50, torch.tensor([[20.0, 10.0]])
    delta = torch.zeros(1, H, W)
    delta[0, 10, 20] = 3.0
    assert mass_within(delta, q, 0.5).item() == 1.0
    assert effective_area(delta).item() == 1.0
    two = delta.clone()
    two[0, 0, 0] = 3.0
    assert effective_area(two).item() == 2.0
    assert mass_within(two, q, 8.0).item() == 0.5
    uniform = torch.ones(1, H, W)
    assert effective_area(uniform).item() == pytest.approx(H * W)
    # The disc lies inside the image: its pixel count is about pi r^2.
    assert mass_within(uniform, q, 8.0).item() == pytest.approx(
        math.pi * 64 / (H * W), rel=0.05)
    assert torch.isnan(effective_area(torch.zeros(1, H, W))).all()
    # Radii per map.
    maps = torch.stack([delta[0], uniform[0]])
    got = mass_within(maps, q.expand(2, 2), torch.tensor([0.0, 1.0]))
    assert got.tolist() == pytest.approx([1.0, 5 / (H * W)])


def brute_p2r_radius(points, h, w, s, lo=8.0, hi=96.0):
    d = torch.cdist(cell_centers(h, w, s, dtype=torch.float64),
                    points.double())
    near, owner = d.min(1)
    return torch.stack([
        near[(owner == k) & (near < hi)].max() if ((owner == k) &
                                                   (near < hi)).any()
        else torch.tensor(0.0, dtype=torch.float64)
        for k in range(len(points))
    ]).clamp(lo, hi).float()


def test_p2r_radii_match_a_brute_force():
    pred = torch.tensor([[5.5, 5.5], [9.5, 5.5], [101.5, 61.5], [60., 3.]])
    queries = torch.tensor([[9.5, 5.5], [101.5, 61.5], [40.0, 40.0]])
    got = p2r_radii(queries, pred, (20, 30), 4)
    ref = brute_p2r_radius(torch.cat([pred, queries[2:]]), 20, 30, 4)
    torch.testing.assert_close(got, ref[[1, 2, 4]])
    # No predicted points at all: the queries are the point set.
    alone = p2r_radii(queries[2:], torch.zeros(0, 2), (20, 30), 4)
    torch.testing.assert_close(alone, brute_p2r_radius(queries[2:], 20, 30,
                                                       4))


def test_psam_spread_on_a_result(tiny):
    model, x = tiny
    out = compute_psam(model, x, top_k=3)
    spread = psam_spread(out)
    assert set(spread) == {'radius', 'mass_within', 'effective_area'}
    assert ((spread['radius'] >= 8) & (spread['radius'] <= 96)).all()
    assert ((spread['mass_within'] >= 0) & (spread['mass_within'] <= 1)).all()
    assert (spread['effective_area'] >= 1).all()
    fixed = psam_spread(out, radius=1000.0)
    assert fixed['mass_within'].tolist() == pytest.approx([1.0] * 3)


def test_top_k_cells():
    # (points_to_cells / cells_to_points: tests/test_models/test_utils)
    logits = torch.zeros(4, 5)
    logits[3, 4], logits[1, 2], logits[0, 1] = 9.0, 5.0, 4.0
    assert top_k_cells(logits, 2).tolist() == [[3, 4], [1, 2]]
    assert top_k_cells(logits, 2, (3, 4)).tolist() == [[1, 2], [0, 1]]


TOOL_CONFIG = """
_base_ = ['{repo}/configs/supervised/sha_full.py']
model = dict(
    backbone=dict(base_channels=4, init_cfg=None),
    neck=dict(in_channels=(32, 32), out_channels=16),
    head=dict(in_channels=16, feat_channels=16))
"""


def test_tool_end_to_end(tmp_path):
    config = tmp_path / 'tiny.py'
    config.write_text(TOOL_CONFIG.format(repo=REPO))
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(config)).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}},
               tmp_path / 'tiny.pth')
    image = tmp_path / 'crowd.jpg'
    write_image(str(image), 70, 50)
    out_dir = tmp_path / 'psam'
    cmd = [sys.executable, 'tools/analysis_tools/psam.py', str(config),
           str(tmp_path / 'tiny.pth'), str(image), '--out-dir', str(out_dir)]
    run = subprocess.run(
        cmd + ['--points', '10,12', '69,49', '--layer', 'neck.fuse'],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    head = [i for i, line in enumerate(lines) if 'mass_within_r' in line]
    assert head and 'effective_area' in lines[head[0]], run.stdout
    rows = [line.split() for line in lines[head[0] + 1:]]
    # Points are shown as their cells' centres.
    assert [r[1:3] for r in rows] == [['9.5', '13.5'], ['69.5', '49.5']]
    assert all(0 <= float(r[5]) <= 1 and float(r[6]) >= 1 for r in rows)
    pngs = sorted(p.name for p in out_dir.iterdir())
    assert pngs == ['crowd_psam_00.png', 'crowd_psam_01.png']
    import mmcv
    assert mmcv.imread(str(out_dir / pngs[0])).shape == (50, 70, 3)


def test_model_radius_range_reads_the_p2r_loss():
    from p2r_mm.registry import MODELS
    from p2r_mm.visualization import model_radius_range
    counter = MODELS.build(dict(
        type='PointCounter',
        backbone=dict(type='VGG16BN', base_channels=4),
        neck=dict(type='TopDownFusionNeck', in_channels=(32, 32),
                  out_channels=8),
        head=dict(type='PointClassificationHead', in_channels=8,
                  feat_channels=8,
                  loss=dict(type='P2RLoss', min_radius=4, max_radius=40))))
    assert model_radius_range(counter) == dict(min_radius=4.0,
                                               max_radius=40.0)
    counter.head.loss_fn = MODELS.build(dict(type='P2PLoss'))
    assert model_radius_range(counter) == dict(min_radius=8.0,
                                               max_radius=96.0)
