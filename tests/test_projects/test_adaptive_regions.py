"""projects/adaptive_regions: the kNN spacing and the adaptive bounds on
hand cases, the exact reduction to P2RLoss, memory without cells x points
or points x points matrices, the configs (loss in both semi branches, the
varied split's scene parameters in every dataset), and a 3-iteration
semi-supervised run through tools/train.py."""
import ast
import copy
import json
import math
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from p2r_mm.models.losses import P2RLoss
from p2r_mm.models.utils import cell_centers
from p2r_mm.registry import DATASETS, MODELS
from ..test_tools.test_train_test_tools import REPO

sys.path.insert(0, REPO)
try:
    from projects.adaptive_regions.adaptive_regions import (  # noqa: E402
        AdaptiveP2RLoss, mean_knn_distance)
    from projects.adaptive_regions.adaptive_regions import \
        knn_spacing  # noqa: E402
finally:
    sys.path.remove(REPO)

CONFIG_DIR = osp.join(REPO, 'projects', 'adaptive_regions', 'configs')
CONFIGS = dict(
    adaptive=osp.join(CONFIG_DIR, 'adaptive-p2r-semi_synthetic_5pct.py'),
    varied_fixed=osp.join(CONFIG_DIR, 'p2r-semi_synthetic-varied_5pct.py'),
    varied_adaptive=osp.join(CONFIG_DIR,
                             'adaptive-p2r-semi_synthetic-varied_5pct.py'))
CORE_SEMI = osp.join(REPO, 'configs', 'p2r', 'synthetic_5pct.py')
VARIED_SCENE = dict(count_range=(5, 1200))
BACKENDS = ['kdtree', 'chunked']


def batch_of(points_per_image):
    points = torch.cat([p.reshape(-1, 2) for p in points_per_image])
    batch = torch.repeat_interleave(
        torch.arange(len(points_per_image)),
        torch.tensor([len(p) for p in points_per_image]))
    return points.float(), batch


# ------------------------------------------------------------ kNN spacing

@pytest.mark.parametrize('backend', BACKENDS)
def test_knn_spacing_on_a_grid(backend):
    # A 3 x 3 grid of spacing 10 in image 0; 3 nearest: centre and edge
    # midpoints 10, 10, 10; corners 10, 10 and the diagonal 10 sqrt(2).
    xy = torch.tensor([(x, y) for y in (20., 30., 40.) for x in (5., 15.,
                                                                  25.)])
    # Image 1: two points 7 px apart, right on top of image 0's: fewer
    # than 3 neighbours (NaN), and never image 0's points.
    other = torch.tensor([[5., 20.], [12., 20.]])
    points, batch = batch_of([xy, torch.zeros(0, 2), other])
    s = mean_knn_distance(points, batch, 3, k=3, backend=backend,
                          max_pairs=4)
    corner = (20 + 10 * math.sqrt(2)) / 3
    expect = torch.tensor([corner, 10, corner, 10, 10, 10, corner, 10,
                           corner])
    torch.testing.assert_close(s[:9], expect)
    assert torch.isnan(s[9:]).all()
    s1 = mean_knn_distance(points, batch, 3, k=1, backend=backend)
    torch.testing.assert_close(s1, torch.tensor([10.] * 9 + [7., 7.]))


@pytest.mark.parametrize('backend', BACKENDS)
def test_knn_spacing_counts_coincident_points(backend):
    points, batch = batch_of([torch.tensor([[3., 3.], [3., 3.],
                                            [6., 7.]])])
    s = mean_knn_distance(points, batch, 1, k=1, backend=backend)
    torch.testing.assert_close(s, torch.tensor([0., 0., 5.]))


def test_knn_backends_agree_and_chunks_stay_bounded(monkeypatch):
    g = torch.Generator().manual_seed(0)
    per_image = [torch.rand(n, 2, generator=g) * 200 for n in (300, 0, 57,
                                                               3)]
    points, batch = batch_of(per_image)
    shapes = []
    cdist = torch.cdist

    def spy(a, b, **kw):
        shapes.append((len(a), len(b)))
        return cdist(a, b, **kw)

    monkeypatch.setattr(knn_spacing.torch, 'cdist', spy)
    chunked = mean_knn_distance(points, batch, 4, k=3, backend='chunked',
                                max_pairs=1000)
    tree = mean_knn_distance(points, batch, 4, k=3, backend='kdtree')
    torch.testing.assert_close(chunked, tree, equal_nan=True)
    # Each cdist holds at most max_pairs distances, and only one image's.
    assert shapes and max(r * c for r, c in shapes) <= 1000
    assert {c for _, c in shapes} == {300, 57}
    assert torch.isnan(tree[-3:]).all() and torch.isfinite(tree[:-3]).all()


def test_knn_spacing_rejects_bad_input():
    points, batch = batch_of([torch.rand(4, 2)])
    with pytest.raises(ValueError, match='k must be'):
        mean_knn_distance(points, batch, 1, k=0)
    with pytest.raises(ValueError, match='backend'):
        mean_knn_distance(points, batch, 1, k=1, backend='dense')
    with pytest.raises(ValueError, match=r'\(P, 2\)'):
        mean_knn_distance(points[:, :1], batch, 1, k=1)


# ------------------------------------------------------------ bounds

def test_point_bounds_from_spacing_hand_case():
    xy = torch.tensor([(x, y) for y in (20., 30., 40.) for x in (5., 15.,
                                                                  25.)])
    points, batch = batch_of([xy, torch.tensor([[50., 50.], [60., 50.]])])
    loss = AdaptiveP2RLoss(knn_k=3, upper_scale=2.0, upper_range=(4., 21.),
                           lower_scale=0.5, lower_range=(1., 8.),
                           min_radius=6.0, max_radius=90.0)
    lower, upper = loss.assigner.point_bounds(points, batch, 2)
    corner = (20 + 10 * math.sqrt(2)) / 3  # 11.38
    # Grid: 2 s clamped to 21 at the corners (22.8 -> 21), 20 elsewhere;
    # 0.5 s. Image 1 (2 points < k): the fixed 6 / 90.
    torch.testing.assert_close(upper, torch.tensor(
        [21., 20, 21, 20, 20, 20, 21, 20, 21, 90, 90]))
    torch.testing.assert_close(lower, torch.tensor(
        [corner / 2, 5, corner / 2, 5, 5, 5, corner / 2, 5, corner / 2, 6,
         6]))
    # Lower bounds never exceed upper bounds.
    tight = AdaptiveP2RLoss(knn_k=1, upper_scale=0.5, upper_range=(1., 50.),
                            lower_scale=2.0, lower_range=(1., 50.))
    lower, upper = tight.assigner.point_bounds(points, batch, 2)
    torch.testing.assert_close(upper, torch.tensor([5.] * 11))
    torch.testing.assert_close(lower, upper)
    # Only one bound adaptive: the other stays fixed.
    only_upper = AdaptiveP2RLoss(knn_k=1, lower_scale=None,
                                 upper_scale=1.0, upper_range=(1., 50.))
    lower, upper = only_upper.assigner.point_bounds(points, batch, 2)
    assert (lower == 8.0).all() and (upper == 10.0).all()


def test_isolated_region_is_cut_and_its_positive_stays_home():
    # Two points 40 px apart on cell centres (stride 4); the k = 1 spacing
    # is 40, so each region ends at 0.5 * 40 = 20 px. A cell 12 px left of
    # A has logit 3, every other cell 0.
    stride, h, w = 4, 64, 64
    a, b = (41.5, 61.5), (81.5, 61.5)
    points = [torch.tensor([a, b])]
    logits = torch.zeros(1, h, w)
    far = (15, 7)  # centre (29.5, 61.5)
    logits[0, far[0], far[1]] = 3.0
    adaptive = AdaptiveP2RLoss(knn_k=1, upper_scale=0.5, upper_range=(4.,
                                                                     96.),
                               lower_scale=None)
    core = P2RLoss()
    p, batch = batch_of(points)
    t_core = core.assign(logits, p, batch, stride)
    t_adapt = adaptive.assign(logits, p, batch, stride)
    own_a = 15 * w + 10
    far_idx = far[0] * w + far[1]
    # Core: A's region reaches ~96 px, radius ~96: 8 * 12 / 96 - 3 < 0, the
    # far cell wins. Adaptive: radius < 20: 8 * 12 / 19.x - 3 > 0 = the
    # cost of A's own cell.
    assert t_core.target[far_idx] == 1 and t_core.target[own_a] == 0
    assert t_adapt.target[far_idx] == 0 and t_adapt.target[own_a] == 1
    assert t_adapt.target.sum() == 2 and t_core.target.sum() == 2
    # Owned cells: nearest point and closer than 20 px; every other cell
    # (including ones within 96 px) is unowned.
    centers = cell_centers(h, w, stride)
    d = torch.linalg.vector_norm(centers[:, None] - p[None], dim=2)
    nearest = d.argmin(1)
    expect = torch.where(d.min(1).values < 20, nearest, -1)
    assert torch.equal(t_adapt.owner, expect)
    assert (t_core.owner >= 0).sum() > 3 * (t_adapt.owner >= 0).sum()


def test_dense_region_radius_takes_the_points_own_lower_bound():
    # Two points 12 px apart on cell centres, k = 1: s = 12, upper bound
    # 0.4 * 12 = 4.8 px (A's region: its cell and the 4 cells 4 px away),
    # largest distance 4. A cell 4 px left of A has logit 7.5.
    stride, h, w = 4, 32, 32
    p, batch = batch_of([torch.tensor([[41.5, 61.5], [53.5, 61.5]])])
    logits = torch.zeros(1, h, w)
    logits[0, 15, 9] = 7.5
    own, left = 15 * w + 10, 15 * w + 9

    def positives(**kw):
        loss = AdaptiveP2RLoss(knn_k=1, upper_scale=0.4,
                               upper_range=(1., 96.), **kw)
        t = loss.assign(logits, p, batch, stride)
        assert (t.owner == 0).sum() == 5
        return t.target[own].item(), t.target[left].item()

    # Lower bound 0.25 * 12 = 3 < 4: radius 4, cost 8 * 4 / 4 - 7.5 > 0.
    assert positives(lower_scale=0.25, lower_range=(1., 8.)) == (1, 0)
    # Fixed lower bound 8, capped by the upper bound: radius 4.8, cost
    # 8 * 4 / 4.8 - 7.5 < 0 (P2R's clamp to 8 would give 4 - 7.5 too).
    assert positives(lower_scale=None) == (0, 1)


# ------------------------------------------------------------ reduction

P2R_ARGS = dict(min_radius=5.0, max_radius=40.0, cost_point=6.0,
                cost_class=1.5, pos_weight=3.0, empty_weight=0.25,
                loss_weight=2.0)


def random_case(seed):
    g = torch.Generator().manual_seed(seed)
    B = 3
    h, w = (int(v) for v in torch.randint(6, 20, (2, ), generator=g))
    stride = 4
    counts = [int(torch.randint(0, 40, (1, ), generator=g)), 0,
              int(torch.randint(1, 5, (1, ), generator=g))]
    points = [torch.rand(n, 2, generator=g) * torch.tensor(
        [w * stride - 1, h * stride - 1]) for n in counts]
    # Coarse logits: ties in the cost are common, as in a trained map.
    logits = (torch.randn(B, 1, h, w, generator=g) * 2).round() / 2
    point_weights = [(torch.rand(n, generator=g) > 0.3).float()
                     for n in counts]
    pixel_weights = (torch.rand(B, 1, h, w, generator=g) > 0.2).float()
    return logits, points, stride, point_weights, pixel_weights


@pytest.mark.parametrize('nn_backend', ['kdtree', 'window'])
@pytest.mark.parametrize('seed', range(6))
def test_reduces_exactly_to_p2r(seed, nn_backend):
    logits, points, stride, pw, pix = random_case(seed)
    core = P2RLoss(nn_backend=nn_backend, **P2R_ARGS)
    # Off (k = 0), and on with ranges pinned to the fixed bounds: the
    # adaptive code path with constant bounds.
    variants = [
        AdaptiveP2RLoss(knn_k=0, nn_backend=nn_backend, **P2R_ARGS),
        AdaptiveP2RLoss(knn_k=3, upper_range=(40., 40.),
                        lower_range=(5., 5.), nn_backend=nn_backend,
                        **P2R_ARGS)]
    p, batch = batch_of(points)
    expect = core.assign(logits.reshape(3, *logits.shape[2:]), p, batch,
                         stride)
    assert expect.target.sum() > 0
    for loss in variants:
        got = loss.assign(logits.reshape(3, *logits.shape[2:]), p, batch,
                          stride)
        assert torch.equal(got.target, expect.target)
        assert torch.equal(got.owner, expect.owner)
        for kwargs in (dict(), dict(point_weights=pw),
                       dict(point_weights=pw, pixel_weights=pix)):
            a = logits.clone().requires_grad_()
            b = logits.clone().requires_grad_()
            va = loss(a, points, stride, **kwargs)
            vb = core(b, points, stride, **kwargs)
            assert torch.equal(va, vb)
            va.backward()
            vb.backward()
            assert torch.equal(a.grad, b.grad)


def test_all_empty_batch_equals_p2r():
    logits = torch.randn(2, 1, 5, 7)
    points = [torch.zeros(0, 2), torch.zeros(0, 2)]
    assert torch.equal(AdaptiveP2RLoss()(logits, points, 4),
                       P2RLoss()(logits, points, 4))


def test_adaptive_bounds_change_the_loss():
    # The reduction tests would pass for a loss that ignores its bounds:
    # on a dense case with the default bounds the targets must differ.
    logits, points, stride, _, _ = random_case(1)
    p, batch = batch_of(points)
    maps = logits.reshape(3, *logits.shape[2:])
    a = AdaptiveP2RLoss(**P2R_ARGS).assign(maps, p, batch, stride)
    c = P2RLoss(**P2R_ARGS).assign(maps, p, batch, stride)
    assert not torch.equal(a.owner, c.owner)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match='knn_k'):
        AdaptiveP2RLoss(knn_k=-1)
    with pytest.raises(ValueError, match='upper_scale'):
        AdaptiveP2RLoss(upper_range=(20., 10.))
    with pytest.raises(ValueError, match='lower_scale'):
        AdaptiveP2RLoss(lower_scale=0.0)
    with pytest.raises(ValueError, match='knn_backend'):
        AdaptiveP2RLoss(knn_backend='dense')
    with pytest.raises(ValueError, match='min_radius'):
        AdaptiveP2RLoss(min_radius=10., max_radius=5.)


# ------------------------------------------------------------ memory

MEMORY_SCRIPT = r"""
import resource, sys, time, torch
sys.path.insert(0, {repo!r})
from projects.adaptive_regions.adaptive_regions import (AdaptiveP2RLoss,
                                                        mean_knn_distance)
# Address space capped at 3 GiB: the imports take ~1; a cells x points
# float32 matrix here is 21 GB and a points x points one 6.4 GB.
cap = 3 << 30
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
torch.manual_seed(0)
P, side, stride = 40000, 1024, 4
points = [torch.rand(P, 2) * (side - 1), torch.zeros(0, 2)]
logits = torch.randn(2, 1, side // stride, side // stride,
                     requires_grad=True)
for nn_backend, knn_backend in (('kdtree', 'kdtree'),
                                ('window', 'chunked')):
    loss = AdaptiveP2RLoss(nn_backend=nn_backend, knn_backend=knn_backend)
    value = loss(logits, points, stride)
    value.backward()
    assert torch.isfinite(value), value
print('peak_rss_mb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
      / 1024)
"""


def test_no_cells_by_points_or_points_by_points_matrix(tmp_path):
    script = tmp_path / 'memory.py'
    script.write_text(MEMORY_SCRIPT.format(repo=REPO))
    run = subprocess.run([sys.executable, str(script)], capture_output=True,
                         text=True, timeout=600,
                         env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert run.returncode == 0, run.stderr[-3000:]
    peak = float(re.search(r'peak_rss_mb ([\d.]+)', run.stdout).group(1))
    assert peak < 2048, peak


# ------------------------------------------------------------ configs

def load(key):
    return Config.fromfile(CONFIGS[key], import_custom_modules=False)


def build(cfg):
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        return MODELS.build(copy.deepcopy(cfg))


@pytest.mark.parametrize('key', list(CONFIGS))
def test_configs_keep_the_core_protocol(key):
    with open(CONFIGS[key]) as f:
        own = [t.id for node in ast.parse(f.read()).body
               for t in node.targets]
    cfg, core = load(key), Config.fromfile(CORE_SEMI)
    # A leaf is its base and what it adds: the loss and its import, or the
    # varied data (./_base_/ holds each once; the adaptive varied leaf
    # restates the data, checked below).
    assert own == dict(
        varied_fixed=['_base_'], adaptive=['_base_', 'custom_imports'],
        varied_adaptive=['_base_', 'train_dataloader', 'val_dataloader',
                         'test_dataloader'])[key]
    if key == 'varied_fixed':
        assert 'custom_imports' not in cfg
        assert cfg.model == core.model
    else:
        assert cfg.custom_imports == dict(
            imports=['projects.adaptive_regions.adaptive_regions'],
            allow_failed_imports=False)
        loss = cfg.model.counter.head.loss
        assert loss.type == 'AdaptiveP2RLoss' and loss.knn_k == 3
        # P2R's recipe values carry over (and are the fallback bounds).
        for name, value in core.model.counter.head.loss.items():
            if name != 'type':
                assert loss[name] == value, name
        assert cfg.model.get('unsup_loss') is None
    for field in ('train_cfg', 'optim_wrapper', 'param_scheduler',
                  'custom_hooks', 'default_hooks', 'randomness',
                  'val_evaluator', 'test_evaluator'):
        assert cfg.get(field) == core.get(field), field
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    if key == 'adaptive':
        for field in loaders:
            assert cfg.get(field) == core.get(field), field
        return
    # Varied: only data_root and scene differ, in every split.
    datasets = [(cfg.train_dataloader.dataset.dataset,
                 core.train_dataloader.dataset.dataset),
                (cfg.val_dataloader.dataset, core.val_dataloader.dataset),
                (cfg.test_dataloader.dataset, core.test_dataloader.dataset)]
    for ours, theirs in datasets:
        assert ours.data_root == 'data/synthetic_crowd_varied/'
        assert ours.scene == VARIED_SCENE
        rest = {k: v for k, v in ours.items()
                if k not in ('data_root', 'scene')}
        assert rest == {k: v for k, v in theirs.items() if k != 'data_root'}
    for field in loaders:
        a, b = cfg.get(field).copy(), core.get(field).copy()
        a.pop('dataset'), b.pop('dataset')
        assert a == b, field
    a = cfg.train_dataloader.dataset.copy()
    b = core.train_dataloader.dataset.copy()
    a.pop('dataset'), b.pop('dataset')
    assert a == b


@pytest.mark.parametrize('key', list(CONFIGS))
def test_both_semi_branches_use_the_configured_loss(key):
    sys.path.insert(0, REPO)
    try:
        model = build(load(key).model)
    finally:
        sys.path.remove(REPO)
    wanted = P2RLoss if key == 'varied_fixed' else AdaptiveP2RLoss
    assert type(model.student.head.loss_fn) is wanted
    # SemiPointCounter's unlabelled branch falls back to the student
    # head's loss when no unsup_loss is configured.
    assert model.unsup_loss_fn is model.student.head.loss_fn
    assert type(model.teacher.head.loss_fn) is wanted


@pytest.mark.parametrize('key', ['varied_fixed', 'varied_adaptive'])
def test_every_varied_dataset_is_generated_with_the_changed_scene(
        key, tmp_path):
    cfg = load(key)
    small = dict(data_root=str(tmp_path / 'varied'), image_size=(48, 64))
    train = copy.deepcopy(cfg.train_dataloader.dataset)
    train.update(labeled_ratio=0.5)
    train.dataset.update(num_images=4, **small)
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        semi = DATASETS.build(train)
        others = [DATASETS.build({**cfg.get(f).dataset, 'num_images': 2,
                                  **small})
                  for f in ('val_dataloader', 'test_dataloader')]
    parts = list(semi.datasets)
    assert len(parts) == 2 and len(parts[0]) == 2 and len(parts[1]) == 4
    for ds in parts + others:
        for name, value in VARIED_SCENE.items():
            assert getattr(ds.scene_params, name) == value, name
    for split in ('train', 'val', 'test'):
        with open(tmp_path / 'varied' / split / 'meta.json') as f:
            params = json.load(f)['params']
        assert params['count_range'] == [5, 1200], split


# ------------------------------------------------------------ training

THREE_ITERS = """
_base_ = ['{config}']
small = dict(data_root='{root}/', image_size=(64, 96))
# The unlabelled branch from the first step (w = 0 during the burn-in), so
# the adaptive loss runs on pseudo-points too.
model = dict(semi_train_cfg=dict(skip_unsup_when_unweighted=False))
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(labeled_ratio=0.25,
                 dataset=dict(num_images=12, **small)))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(num_images=2, **small))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
"""


@pytest.mark.parametrize('key', ['adaptive', 'varied_adaptive'])
def test_semi_supervised_training_three_iterations(key, tmp_path):
    config = tmp_path / 'three_iters.py'
    config.write_text(THREE_ITERS.format(config=CONFIGS[key],
                                         root=tmp_path / 'data'))
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO] + [p for p in [env.get('PYTHONPATH')] if p])
    run = subprocess.run(
        [sys.executable, 'tools/train.py', str(config), '--work-dir',
         str(tmp_path / 'work')], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=900)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    # 12 images, 3 labelled; the unlabelled pool is all 12, 4 per step.
    lines = [line for line in log.splitlines()
             if re.search(r'Epoch\(train\) \[1\]\[\d/3\]', line)]
    assert len(lines) == 3 and '[3/3]' in lines[-1]
    for line in lines:
        assert float(re.search(r'pseudo_points: ([\d.]+)', line).group(1)) > 0
        assert float(re.search(r' unsup: ([\d.]+)', line).group(1)) > 0
        assert math.isfinite(float(re.search(r' sup: ([\d.]+)',
                                             line).group(1)))
    assert re.search(r'Epoch\(val\) \[1\]\[2/2\]\s+mae: [\d.]+', log)
    with open(tmp_path / 'data' / 'train' / 'meta.json') as f:
        params = json.load(f)['params']
    want = [5, 1200] if key == 'varied_adaptive' else [10, 400]
    assert params['count_range'] == want
