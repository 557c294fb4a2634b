"""projects/offset_head: the offset head, its loss, its counters and metric
(hand cases), its configs, and short trainings through tools/train.py."""
import ast
import copy
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from p2r_mm.evaluation.metrics import LocalizationMetric
from p2r_mm.models.counters import flip_averaged_logits, tiled_logits
from p2r_mm.models.losses import P2RLoss
from p2r_mm.models.task_modules import CellTargets
from p2r_mm.registry import METRICS, MODELS
from p2r_mm.structures import CrowdDataSample
from ..test_tools.test_train_test_tools import REPO

sys.path.insert(0, REPO)
try:
    # Registers the project's components, as custom_imports does.
    from projects.offset_head.offset_head import (  # noqa: E402
        SubCellOffsetLoss, offsets_at_cells)
finally:
    sys.path.remove(REPO)

PROJECT = osp.join(REPO, 'projects', 'offset_head')
CONFIGS = {
    'labelled': osp.join(PROJECT, 'configs',
                         'offset-head_labelled-only_synthetic_5pct.py'),
    'semi': osp.join(PROJECT, 'configs',
                     'offset-head_p2r-semi_synthetic_5pct.py'),
}
HEAD = dict(type='OffsetPointHead', in_channels=8, feat_channels=8,
            upsample_factor=2, feat_stride=8)  # stride 4, 2x2 sub-cells
TINY_COUNTER = dict(
    type='PointCounter',
    backbone=dict(type='VGG16BN', base_channels=4, init_cfg=None),
    neck=dict(type='TopDownFusionNeck', in_channels=(32, 32),
              out_channels=8, upsample_mode='bilinear', act_cfg=None),
    head=HEAD)


def build(cfg):
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        return MODELS.build(copy.deepcopy(cfg))


def sample(**metainfo):
    return CrowdDataSample(metainfo=metainfo)


# ---------------------------------------------------------------- configs

@pytest.mark.parametrize('key', ['labelled', 'semi'])
def test_configs_are_base_imports_and_overrides(key):
    with open(CONFIGS[key]) as f:
        tree = ast.parse(f.read())
    own = [t.id for node in tree.body for t in node.targets]
    assert own == ['_base_', 'custom_imports', 'model', 'val_evaluator',
                   'test_evaluator']
    cfg = Config.fromfile(CONFIGS[key], import_custom_modules=False)
    assert cfg.custom_imports == dict(
        imports=['projects.offset_head.offset_head'],
        allow_failed_imports=False)
    # The benchmark's protocol: the base's schedule and data untouched.
    base = Config.fromfile(osp.join(REPO, 'configs', {
        'labelled': 'supervised', 'semi': 'p2r'}[key], 'synthetic_5pct.py'))
    for field in ('train_cfg', 'train_dataloader', 'val_dataloader',
                  'test_dataloader', 'optim_wrapper', 'param_scheduler',
                  'custom_hooks', 'default_hooks'):
        assert cfg.get(field) == base.get(field), field
    types = [m.type for m in cfg.val_evaluator]
    assert types == ['CountingMetric', 'LocalizationMetric',
                     'CellLocalizationMetric']
    assert cfg.test_evaluator == cfg.val_evaluator
    counter = cfg.model.counter if key == 'semi' else cfg.model
    assert counter.type == 'PointCounter'  # the core counter carries it
    assert counter.head.type == 'OffsetPointHead'
    assert counter.head.loss == base.model.get(
        'counter', base.model).head.loss
    model = build(cfg.model)
    assert model(torch.zeros(1, 3, 64, 96)).shape == (1, 3, 16, 24)


def test_localization_thresholds_include_4_and_8_px():
    assert {4.0, 8.0} <= set(LocalizationMetric().thresholds)
    cells = METRICS.build(dict(type='CellLocalizationMetric'))
    assert cells.prefix == 'loc_cells' and cells.thresholds == (4.0, 8.0)


# ------------------------------------------------------------------- head

def test_forward_logit_is_the_core_heads_and_offsets_are_bounded():
    torch.manual_seed(0)
    head = build(HEAD)
    core = build({**HEAD, 'type': 'PointClassificationHead'})
    missing = core.load_state_dict(
        {k: v for k, v in head.state_dict().items()
         if not k.startswith('offset.')})
    assert not missing.missing_keys
    x = torch.randn(2, 8, 5, 7)
    maps = head(x)
    assert maps.shape == (2, 3, 10, 14)
    assert torch.equal(maps[:, :1], core(x))
    # Zero-initialised offsets: an untrained head predicts cell centres.
    assert torch.equal(maps[:, 1:], torch.zeros_like(maps[:, 1:]))
    assert head.max_offset == 4.0  # one cell at stride 4
    torch.nn.init.normal_(head.offset.weight, std=10.0)
    offsets = head(100 * x)[:, 1:]
    assert offsets.abs().max() <= head.max_offset
    assert offsets.abs().max() > 0.99 * head.max_offset
    half = build({**HEAD, 'offset_reach': 0.5})
    assert half.max_offset == 2.0
    with pytest.raises(ValueError, match='offset_reach'):
        build({**HEAD, 'offset_reach': 0})


def hand_maps():
    """(1, 3, 4, 6) maps at stride 4: heads at cells (1, 2) (offset
    (1.5, -0.5)) and (0, 5); column 5 lies in the padding of a 16x20
    input."""
    maps = torch.zeros(1, 3, 4, 6)
    maps[:, 0] = -10.0
    maps[0, :, 1, 2] = torch.tensor([5.0, 1.5, -0.5])
    maps[0, :, 0, 5] = torch.tensor([5.0, 1.0, 1.0])
    return maps


def test_predicted_points_are_cell_centres_plus_offsets():
    head = build(HEAD)
    (out, ) = head.predict_by_feat(hand_maps(),
                                     [sample(img_shape=(16, 20))])
    # Cell (1, 2) is centred at (2*4 + 1.5, 1*4 + 1.5) = (9.5, 5.5).
    assert out.pred_cell_points.tolist() == [[9.5, 5.5]]
    assert out.pred_points.tolist() == [[11.0, 5.0]]
    assert out.pred_count == 1 and out.pred_logits.shape == (1, 4, 5)


def test_points_map_back_under_rescale_and_flip():
    head = build(HEAD)
    meta = dict(img_shape=(16, 20), scale_factor=(2.0, 2.0), flip=True)
    (out, ) = head.predict_by_feat(hand_maps(), [sample(**meta)])
    # x -> 20 - 1 - x (the flip), then (p + 0.5) / 2 - 0.5 (the resize).
    assert out.pred_points.tolist() == [[(8.0 + 0.5) / 2 - 0.5, 2.25]]
    assert out.pred_cell_points.tolist() == [[4.5, 2.5]]
    # The unrefined points are the core head's, mapped alike.
    core = build({**HEAD, 'type': 'PointClassificationHead'})
    (ref, ) = core.predict_by_feat(hand_maps()[:, :1], [sample(**meta)])
    assert torch.equal(out.pred_cell_points, ref.pred_points)
    assert torch.equal(out.pred_logits, ref.pred_logits)
    (raw, ) = head.predict_by_feat(hand_maps(), [sample(**meta)],
                                     rescale=False)
    assert raw.pred_points.tolist() == [[11.0, 5.0]]


def test_head_refuses_one_channel_maps():
    head = build(HEAD)
    with pytest.raises(ValueError, match=r'\(B, 3, h, w\)'):
        head.predict_by_feat(hand_maps()[:, :1], [sample()])
    with pytest.raises(ValueError, match=r'\(B, 3, h, w\)'):
        head.loss_by_feat(hand_maps()[:, :1], [torch.zeros(0, 2)])
    with pytest.raises(ValueError, match=r'\(B, 3, h, w\)'):
        head.pseudo_points_by_feat(hand_maps()[:, :1], [(16, 20)])


def test_offsets_at_cells_inverts_the_centre_formula():
    offset_map = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4)
    centres = torch.tensor([[13.5, 9.5], [1.5, 1.5]])  # cells (2, 3), (0, 0)
    assert offsets_at_cells(offset_map, centres, 4).tolist() == [
        [11.0, 23.0], [0.0, 12.0]]
    with pytest.raises(ValueError, match='outside'):
        offsets_at_cells(offset_map, torch.tensor([[17.5, 1.5]]), 4)


# ------------------------------------------------------------------- loss

def test_offset_loss_hand_case():
    loss = SubCellOffsetLoss(beta=1.0, loss_weight=2.0)
    # One 2x3 image at stride 4; positives: cell 1 (point 0), cell 4
    # (point 1); cell 0 is owned by point 0 but negative.
    targets = CellTargets(
        target=torch.tensor([0., 1., 0., 0., 1., 0.]),
        owner=torch.tensor([0, 0, -1, -1, 1, -1]))
    points = torch.tensor([[7.0, 1.0], [3.0, 9.0]])
    offsets = torch.full((1, 2, 2, 3), 100.0, requires_grad=True)
    with torch.no_grad():
        offsets[0, :, 0, 1] = torch.tensor([1.0, 0.0])
        offsets[0, :, 1, 1] = torch.tensor([0.0, 0.0])
    # Cell 1 (centre (5.5, 1.5)) wants (1.5, -0.5): errors 0.5, 0.5 ->
    # 0.125 + 0.125. Cell 4 (centre (5.5, 5.5)) wants (-2.5, 3.5), clamped
    # to the reach 2: errors 2, 2 -> 1.5 + 1.5. Sum / 6 cells * 2.
    value = loss(offsets, targets, points, 4, max_offset=2.0)
    assert value.item() == pytest.approx(2 * (0.25 + 3.0) / 6)
    value.backward()
    grad = offsets.grad[0].abs().sum(0).reshape(-1)
    assert (grad[[1, 4]] > 0).all() and (grad[[0, 2, 3, 5]] == 0).all()
    # The assigner's cell weights (point and pixel weights): 0 on point
    # 1's cell (an unconfident pseudo-point), then 0 on point 0's positive
    # (a cutout).
    weighted = targets._replace(weight=torch.tensor([1., 1., 1., 1., 0., 1.]))
    assert loss(offsets, weighted, points, 4, 2.0).item() == \
        pytest.approx(2 * 0.25 / 6)
    weighted = targets._replace(weight=torch.tensor([1., 0., 1., 1., 1., 1.]))
    assert loss(offsets, weighted, points, 4, 2.0).item() == \
        pytest.approx(2 * 3.0 / 6)
    no_positive = CellTargets(torch.zeros(6), targets.owner)
    assert loss(offsets, no_positive, points, 4, 2.0).item() == 0


def test_head_loss_uses_the_point_losses_own_assignment():
    head = build(HEAD)
    maps = torch.zeros(1, 3, 4, 6)
    maps[0, 0] = -5.0
    maps[0, 0, 1, 1] = 5.0  # the cheapest cell of the point's region
    maps.requires_grad_(True)
    gt = sample(img_shape=(16, 24))
    gt.gt_points = torch.tensor([[7.0, 6.0]])
    calls = []
    assign = head.loss_fn.assigner.assign
    head.loss_fn.assigner.assign = lambda *a: calls.append(1) or assign(*a)
    losses = head.loss_by_feat(maps, [gt.gt_points])
    assert len(calls) == 1  # one assignment serves both losses
    del head.loss_fn.assigner.assign
    assert set(losses) == {'loss_point', 'loss_offset'}
    # The point loss is the core's, on channel 0.
    core = P2RLoss()
    assert losses['loss_point'].item() == pytest.approx(
        core(maps[:, :1], [gt.gt_points], 4).item())
    # Cell (1, 1), centre (5.5, 5.5), wants (1.5, 0.5); offsets are 0:
    # smooth L1 (1.5 - 0.5) + 0.5 * 0.5^2 = 1.125, over 24 cells.
    assert losses['loss_offset'].item() == pytest.approx(1.125 / 24)
    (grad, ) = torch.autograd.grad(losses['loss_offset'], maps)
    assert (grad[0, 0] == 0).all()  # the offset term leaves the logit
    assert (grad[0, 1:, 1, 1] != 0).all()
    grad[0, 1:, 1, 1] = 0
    assert (grad == 0).all()  # and every non-positive cell


def test_head_loss_needs_a_point_loss_with_cell_targets():
    head = build(HEAD)
    with pytest.raises(TypeError, match='BasePointLoss'):
        head.loss_by_feat(hand_maps(), [torch.zeros(0, 2)],
                          loss_fn=torch.nn.L1Loss())


# --------------------------------------------------------------- counters

def test_counter_flip_tta_averages_logits_like_the_core_keeps_offsets():
    torch.manual_seed(0)
    counter = build({**TINY_COUNTER, 'test_cfg': dict(flip=True)}).eval()
    torch.nn.init.normal_(counter.head.offset.weight, std=0.5)
    x = torch.randn(1, 3, 64, 96)
    maps = counter.predict_maps(x)  # the core counter's flip TTA
    with torch.no_grad():
        plain = counter._forward(x)
        expected = flip_averaged_logits(lambda t: counter._forward(t)[:, :1],
                                        x, counter.stride, 2)
    assert torch.allclose(maps[:, :1], expected)
    assert torch.equal(maps[:, 1:], plain[:, 1:])
    assert not torch.allclose(maps[:, :1], plain[:, :1])


def test_counter_tiles_every_channel_as_the_core_tiles_the_logit():
    torch.manual_seed(0)
    tile = dict(size=64, overlap=32)
    counter = build({**TINY_COUNTER, 'test_cfg': dict(tile=tile)}).eval()
    torch.nn.init.normal_(counter.head.offset.weight, std=0.5)
    for batch in (1, 2):
        x = torch.randn(batch, 3, 128, 160)
        maps = counter.predict_maps(x)
        assert maps.shape == (batch, 3, 32, 40)
        for c in range(3):
            expected = tiled_logits(
                lambda t: counter._forward(t)[:, c:c + 1], x, tile, 4)
            assert torch.allclose(maps[:, c:c + 1], expected, atol=1e-6)
        assert not torch.allclose(maps, counter._forward(x))


def test_counter_predicts_refined_points():
    counter = build(TINY_COUNTER).eval()
    x = torch.randn(1, 3, 64, 96)
    (out, ) = counter.predict(x, [sample(img_shape=(64, 96))])
    core = build({**TINY_COUNTER, 'type': 'PointCounter',
                  'head': {**HEAD, 'type': 'PointClassificationHead'}})
    core.load_state_dict(counter.state_dict(), strict=False)
    (ref, ) = core.eval().predict(x, [sample(img_shape=(64, 96))])
    assert out.pred_count == ref.pred_count > 0
    assert torch.equal(out.pred_cell_points, ref.pred_points)
    # Untrained offsets are 0: refined points are the cell centres.
    assert torch.equal(out.pred_points, ref.pred_points)


def test_inference_api_returns_refined_points():
    import numpy as np
    from p2r_mm.apis import inference_counter, init_counter
    with pytest.warns(UserWarning, match='no checkpoint'):
        model = init_counter(CONFIGS['labelled'])
    torch.manual_seed(0)
    torch.nn.init.normal_(model.head.offset.weight, std=0.5)
    image = np.random.default_rng(0).integers(0, 255, (64, 96, 3),
                                              dtype=np.uint8)
    out = inference_counter(model, image)
    assert out.pred_count == len(out.pred_points) > 0
    shift = out.pred_points - out.pred_cell_points
    assert shift.abs().max() <= model.head.max_offset
    assert (shift != 0).any()


# ------------------------------------------------------------------- semi

def semi_counter(**semi_train_cfg):
    return build(dict(type='SemiPointCounter', counter=TINY_COUNTER,
                      semi_train_cfg=semi_train_cfg))


def teacher_maps():
    """(1, 3, 4, 6) teacher maps: a confident head at cell (1, 2)
    (offset (1, -1)), an unconfident one at (2, 4) (logit 0.2 >= 0 but
    sigmoid 0.55 <= 0.7; offset (-1.5, 0.5))."""
    maps = torch.zeros(1, 3, 4, 6)
    maps[:, 0] = -10.0
    maps[0, :, 1, 2] = torch.tensor([5.0, 1.0, -1.0])
    maps[0, :, 2, 4] = torch.tensor([0.2, -1.5, 0.5])
    return maps


def test_teacher_offsets_place_the_pseudo_points():
    model = semi_counter()
    points, confidences = model.teacher.head.pseudo_points_by_feat(
        teacher_maps(), [(16, 24)])
    # Centres (9.5, 5.5) and (17.5, 9.5) plus the teacher's offsets.
    assert points[0].tolist() == [[10.5, 4.5], [16.0, 10.0]]
    assert confidences[0].tolist() == [1.0, 0.0]


def test_unsup_offsets_only_on_confident_pseudo_points(monkeypatch):
    model = semi_counter(pseudo_quality=dict(match_distance=1.0))
    monkeypatch.setattr(model.teacher, '_forward',
                        lambda x: teacher_maps())
    student = torch.zeros(1, 3, 4, 6)
    student[0, 0] = -5.0
    student[0, 0, 1, 2] = student[0, 0, 2, 4] = 5.0  # both positives
    student.requires_grad_(True)
    monkeypatch.setattr(model.student, '_forward', lambda x: student)
    weak = sample(img_shape=(16, 24))
    # The hidden heads sit exactly at the offset-placed pseudo-points,
    # more than 1 px from their cell centres (sqrt(2) and 1.58 px).
    weak.gt_points = torch.tensor([[10.5, 4.5], [16.0, 10.0]])
    # the networks are replaced; only the inputs' shape matters (the
    # strong view's cutout is filled in it)
    inputs = dict(unsup_teacher=torch.zeros(1, 3, 16, 24),
                  unsup_student=torch.zeros(1, 3, 16, 24))
    samples = dict(unsup_teacher=[weak],
                   unsup_student=[sample(img_shape=(16, 24))])
    losses, stats = model.unsup_losses(inputs, samples)
    # Only the confident pseudo-point's cell: offset 0 vs (1, -1),
    # smooth L1 0.5 + 0.5 over 24 cells.
    assert losses['loss_offset'].item() == pytest.approx(1.0 / 24)
    (grad, ) = torch.autograd.grad(losses['loss_offset'], student)
    assert (grad[0, 1:, 1, 2] != 0).all()
    assert (grad[0, 1:, 2, 4] == 0).all() and (grad[0, 0] == 0).all()
    # The point loss is the core unlabelled loss on those pseudo-points.
    expected = model.unsup_loss_fn(
        student[:, :1], [weak.gt_points], 4, [torch.tensor([1.0, 0.0])],
        torch.ones(1, 1, 4, 6))
    assert losses['loss_point'].item() == pytest.approx(expected.item())
    # The logged quality measures the refined pseudo-points.
    assert stats['pseudo_points'].item() == 2
    assert stats['pseudo_confident'].item() == 0.5
    assert stats['pseudo_f1'].item() == 1.0
    # A cutout over the confident cell silences its offset loss too.
    samples['unsup_student'][0].set_metainfo(dict(cutout_box=(8, 4, 12, 8)))
    losses, _ = model.unsup_losses(inputs, samples)
    assert losses['loss_offset'].item() == 0


def test_semi_loss_mixes_offsets_like_the_point_losses(monkeypatch):
    model = semi_counter()
    model.unsup_weight, model.unsup_started = 2.0, True
    one = torch.tensor(1.0)
    monkeypatch.setattr(model.student, 'loss', lambda x, s: dict(
        loss_point=one, loss_offset=3 * one))
    monkeypatch.setattr(model, 'unsup_losses', lambda i, s: (dict(
        loss_point=4 * one, loss_offset=6 * one), dict(
            pseudo_points=one, pseudo_confident=one)))
    out = model.loss(dict(sup=None, unsup_teacher=None), dict(sup=None))
    assert out['loss_semi'].item() == pytest.approx((1 + 2 * 4) / 3)
    assert out['loss_offset'].item() == pytest.approx((3 + 2 * 6) / 3)
    assert (out['sup_offset'].item(), out['unsup_offset'].item()) == (3, 6)
    assert [k for k in out if 'loss' in k] == ['loss_semi', 'loss_offset']
    assert list(out) == ['loss_semi', 'loss_offset', 'sup', 'unsup',
                         'sup_offset', 'unsup_offset', 'unsup_weight',
                         'pseudo_points', 'pseudo_confident']


# ----------------------------------------------------------------- metric

def test_cell_metric_scores_the_unrefined_points():
    gt = torch.tensor([[10.0, 10.0]])
    result = dict(gt_points=gt, pred_points=torch.tensor([[10.5, 10.0]]),
                  pred_cell_points=torch.tensor([[15.0, 10.0]]),
                  img_shape=(32, 32))
    refined = METRICS.build(dict(type='LocalizationMetric'))
    cells = METRICS.build(dict(type='CellLocalizationMetric'))
    for metric in (refined, cells):
        metric.process({}, [result])
    assert refined.compute_metrics(refined.results)['f1@4'] == 1.0
    scores = cells.compute_metrics(cells.results)
    assert (scores['f1@4'], scores['f1@8']) == (0.0, 1.0)
    with pytest.raises(KeyError, match='pred_cell_points'):
        cells.process({}, [{k: v for k, v in result.items()
                            if k != 'pred_cell_points'}])


# --------------------------------------------------------------- training

TINY_DATA = """
_base_ = ['{config}']
small = dict(data_root='{root}/', image_size=(64, 96))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(num_images=2, **small))
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
"""
# 12 images, 1 labelled (5 %); the unlabelled pool is all 12, 4 a step:
# one epoch of 3 iterations, the unlabelled branch on from the start.
TINY_SEMI = TINY_DATA + """
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset=dict(dataset=dict(num_images=12, **small)))
train_cfg = dict(max_epochs=1, val_interval=1)
custom_hooks = [
    dict(type='mmdet.MeanTeacherHook', momentum=0.01, skip_buffer=False),
    dict(type='UnsupWeightHook', burn_in_epochs=0, step=1.0, max_weight=2.0),
]
"""
# 40 images, 2 labelled (5 %), repeated 4 times: 2 iterations of 4 crops.
TINY_LABELLED = TINY_DATA + """
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset=dict(times=4, dataset=dict(
                            num_images=40, **small)))
train_cfg = dict(max_epochs=1, val_interval=1)
"""


def train(tmp_path, template, config):
    path = tmp_path / 'tiny.py'
    path.write_text(template.format(config=config, root=tmp_path / 'data'))
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO] + [p for p in [env.get('PYTHONPATH')] if p])
    run = subprocess.run(
        [sys.executable, 'tools/train.py', str(path), '--work-dir',
         str(tmp_path / 'work')], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    return run.stdout + run.stderr


def logged(log, key, line):
    return float(re.search(rf'\b{key}: (-?[\d.]+)', line).group(1))


def test_semi_supervised_offsets_train_three_iterations(tmp_path):
    log = train(tmp_path, TINY_SEMI, CONFIGS['semi'])
    (line, ) = [x for x in log.splitlines()
                if 'Epoch(train) [1][3/3]' in x]
    assert logged(log, 'pseudo_points', line) > 0
    for key in ('loss_offset', 'sup_offset', 'unsup_offset', 'pseudo_f1'):
        assert logged(log, key, line) >= 0
    assert logged(log, 'loss', line) == pytest.approx(
        logged(log, 'loss_semi', line) + logged(log, 'loss_offset', line),
        abs=2e-4)
    val = [x for x in log.splitlines()
           if 'Epoch(val) [1][2/2]' in x and 'mae:' in x][0]
    assert 'loc/f1@4' in val and 'loc_cells/f1@4' in val
    assert 'loc_cells/f1@8' in val
    state = torch.load(tmp_path / 'work' / 'epoch_1.pth',
                       weights_only=False)['state_dict']
    assert 'student.head.offset.weight' in state
    assert 'teacher.head.offset.weight' in state


def test_labelled_only_offsets_train(tmp_path):
    log = train(tmp_path, TINY_LABELLED, CONFIGS['labelled'])
    (line, ) = [x for x in log.splitlines()
                if 'Epoch(train) [1][2/2]' in x]
    assert logged(log, 'loss_offset', line) > 0
    assert logged(log, 'loss', line) == pytest.approx(
        logged(log, 'loss_point', line) + logged(log, 'loss_offset', line),
        abs=2e-4)
    val = [x for x in log.splitlines()
           if 'Epoch(val) [1][2/2]' in x and 'mae:' in x][0]
    assert 'loc/f1@4' in val and 'loc_cells/f1@4' in val
