from types import SimpleNamespace

import pytest
import torch
from mmdet.engine.hooks import MeanTeacherHook

from p2r_mm.models.utils import cutout_cell_weights
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample

COUNTER = dict(
    type='PointCounter',
    backbone=dict(type='VGG16BN', base_channels=4),
    neck=dict(type='TopDownFusionNeck', in_channels=(32, 32),
              out_channels=16),
    head=dict(type='PointClassificationHead', in_channels=16,
              feat_channels=16))


def semi_model(**kwargs):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='SemiPointCounter', counter=COUNTER,
                              **kwargs))
    model.init_weights()
    return model


def sample(size=64, points=None, **meta):
    s = CrowdDataSample(metainfo=dict(img_shape=(size, size), **meta))
    if points is not None:
        s.gt_points = torch.tensor(points, dtype=torch.float32).reshape(-1, 2)
        s.gt_count = len(s.gt_points)
    return s


def batch(cutout_box=None):
    """Three different image batches: a wiring that hands one branch's
    images to another changes the losses."""
    g = torch.Generator().manual_seed(1)
    sup, weak, strong = torch.randn(3, 2, 3, 64, 64, generator=g)
    return (dict(sup=sup, unsup_teacher=weak, unsup_student=strong),
            dict(sup=[sample(points=[[10, 10]]), sample(points=[])],
                 unsup_teacher=[sample(), sample()],
                 unsup_student=[sample(cutout_box=cutout_box),
                                sample(cutout_box=cutout_box)]))


def test_teacher_starts_as_a_copy_and_gets_no_gradient():
    model = semi_model(semi_train_cfg=dict(teacher_bn='ema'))
    for (k, s), t in zip(model.student.state_dict().items(),
                         model.teacher.state_dict().values()):
        assert torch.equal(s, t), k
    model.unsup_weight = 1.0
    inputs, samples = batch()
    model.train()
    assert not model.teacher.training  # teacher_bn='ema': eval-mode BN
    losses = model.loss(inputs, samples)
    losses['loss_semi'].backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert all(not p.requires_grad for p in model.teacher.parameters())
    assert model.student.head.cls.weight.grad.abs().sum() > 0


def test_total_loss_mixes_sup_and_unsup_by_the_weight():
    model = semi_model()
    inputs, samples = batch()
    model.unsup_weight = 0.0
    burn_in = model.loss(inputs, samples)
    assert burn_in['unsup'] == 0 and burn_in['pseudo_points'] == 0
    assert burn_in['loss_semi'].item() == pytest.approx(
        burn_in['sup'].item())
    model.unsup_weight = 1.5
    out = model.loss(inputs, samples)
    expected = (out['sup'] + 1.5 * out['unsup']) / 2.5
    assert out['loss_semi'].item() == pytest.approx(expected.item(), rel=1e-6)
    assert out['pseudo_points'] > 0  # an untrained teacher fires widely
    assert 0 <= out['pseudo_confident'] <= 1


def test_every_head_loss_is_mixed_and_logged(monkeypatch):
    model = semi_model()
    model.unsup_weight, model.unsup_started = 3.0, True
    one = torch.tensor(1.0)
    monkeypatch.setattr(model.student, 'loss', lambda x, s: dict(
        loss_point=one, loss_extra=2 * one))
    monkeypatch.setattr(model, 'unsup_losses', lambda i, s: (dict(
        loss_point=5 * one, loss_extra=6 * one), dict(
            pseudo_points=one, pseudo_confident=one)))
    out = model.loss(dict(sup=None, unsup_teacher=None), dict(sup=None))
    assert out['loss_semi'].item() == pytest.approx((1 + 3 * 5) / 4)
    assert out['loss_extra'].item() == pytest.approx((2 + 3 * 6) / 4)
    assert (out['sup_extra'].item(), out['unsup_extra'].item()) == (2, 6)
    monkeypatch.setattr(model.student, 'loss', lambda x, s: dict(
        loss_point=one, extra=one))
    with pytest.raises(ValueError, match='loss_<name>'):
        model.loss(dict(sup=None), dict(sup=None))


def test_cutout_reaches_the_loss_weights():
    model = semi_model()
    model.unsup_weight = 1.0
    inputs, samples = batch(cutout_box=(0, 0, 64, 64))
    assert model.loss(inputs, samples)['unsup'] == 0  # everything cut
    # A partial cutout: the loss equals the loss function called with the
    # expected cell weights.
    box = (8, 4, 40, 30)
    inputs, samples = batch(cutout_box=box)
    got = model.loss(inputs, samples)['unsup']
    with torch.no_grad():
        t_logits = model.teacher._forward(inputs['unsup_teacher'])
        from p2r_mm.models.utils import pseudo_points_from_logits
        points, conf = pseudo_points_from_logits(t_logits, 4, [(64, 64)] * 2)
        strong = inputs['unsup_student'].clone()
        strong[:, :, 4:30, 8:40] = 0.0  # semi_train_cfg.cutout_fill
        s_logits = model.student._forward(strong)
        weights = cutout_cell_weights([box, box], 16, 16, 4)
        assert 0 < weights.sum() < 2 * 256
        expected = model.unsup_loss_fn(s_logits, points, 4, conf, weights)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)


def test_teacher_changes_only_by_ema():
    model = semi_model(semi_train_cfg=dict(teacher_bn='ema'))
    optim = torch.optim.SGD(model.student.parameters(), lr=0.1)
    hook = MeanTeacherHook(momentum=0.002, skip_buffer=False)
    runner = SimpleNamespace(model=model, iter=0)
    model.unsup_weight = 1.0
    model.train()
    for _ in range(3):
        before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
        inputs, samples = batch()
        optim.zero_grad()
        model.loss(inputs, samples)['loss_semi'].backward()
        optim.step()
        after_step = {k: v.clone()
                      for k, v in model.teacher.state_dict().items()}
        for k in before:  # the optimiser step left the teacher alone
            assert torch.equal(before[k], after_step[k]), k
        hook.after_train_iter(runner, 0)
        student = model.student.state_dict()
        for k, t in model.teacher.state_dict().items():
            if t.dtype.is_floating_point:
                ema = 0.998 * before[k] + 0.002 * student[k]
                assert torch.allclose(t, ema, atol=1e-6), k


def test_predict_on_student_or_teacher():
    model = semi_model()
    # Head channels (4-7, before PixelShuffle) up, background (0-3) down:
    # the student fires everywhere.
    model.student.head.cls.bias.data.copy_(
        torch.tensor([-5.0] * 4 + [5.0] * 4))
    model.eval()
    img = torch.randn(1, 3, 64, 64)
    student = model(img, [sample()], mode='predict')[0].pred_count
    model.semi_test_cfg['predict_on'] = 'teacher'
    teacher = model(img, [sample()], mode='predict')[0].pred_count
    assert student != teacher


def test_bad_teacher_bn():
    with pytest.raises(ValueError, match='teacher_bn'):
        semi_model(semi_train_cfg=dict(teacher_bn='frozen'))


def perturbed_teacher(model):
    """Make teacher and student predict differently, the teacher with
    confident heads (logit > 0.85) at one of the four sub-positions of each
    stride-8 cell and image-dependent logits elsewhere."""
    with torch.no_grad():
        for p in model.teacher.head.parameters():
            p.add_(0.05 * torch.randn_like(p))
        model.teacher.head.cls.bias.copy_(
            torch.tensor([0, 0, 0, 0, 3.0, 0, 0, 0]))
    return model


def expected_unsup(model, inputs, loss_fn):
    """The unlabelled loss computed independently of ``model.loss``:
    pseudo-points from the teacher on the weak view, the student's logits
    on the strong view, ``loss_fn`` on them."""
    with torch.no_grad():
        from p2r_mm.models.utils import pseudo_points_from_logits
        t_logits = model.teacher._forward(inputs['unsup_teacher'])
        points, conf = pseudo_points_from_logits(t_logits, 4, [(64, 64)] * 2)
        s_logits = model.student._forward(inputs['unsup_student'])
        return loss_fn(s_logits, points, 4, conf, None), points


def test_pseudo_points_from_the_teacher_on_weak_loss_from_student_on_strong():
    model = perturbed_teacher(semi_model())
    model.unsup_weight = 1.0
    model.train()
    inputs, samples = batch()
    got = model.loss(inputs, samples)
    expected, points = expected_unsup(
        model, inputs, MODELS.build(dict(type='P2RLoss')))
    assert got['unsup'].item() == pytest.approx(expected.item(), rel=1e-6)
    assert got['pseudo_points'].item() == pytest.approx(
        sum(len(p) for p in points) / 2)
    # The other wirings give other values: the views swapped, or the
    # student labelling its own images.
    swapped = dict(inputs, unsup_teacher=inputs['unsup_student'],
                   unsup_student=inputs['unsup_teacher'])
    wrong, _ = expected_unsup(model, swapped,
                              MODELS.build(dict(type='P2RLoss')))
    assert wrong.item() != pytest.approx(expected.item(), rel=1e-3)


def test_the_unlabelled_branch_uses_the_configured_loss():
    p2p = dict(type='P2PLoss', ignore_unmatched=True)
    model = perturbed_teacher(semi_model(unsup_loss=p2p))
    model.unsup_weight = 1.0
    model.train()
    inputs, samples = batch()
    got = model.loss(inputs, samples)['unsup']
    expected, _ = expected_unsup(model, inputs, MODELS.build(p2p))
    p2r, _ = expected_unsup(model, inputs, MODELS.build(dict(type='P2RLoss')))
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    assert got.item() != pytest.approx(p2r.item(), rel=1e-3)


def test_teacher_bn_batch_is_the_default_and_normalises_the_weak_batch():
    model = perturbed_teacher(semi_model())
    assert model.semi_train_cfg['teacher_bn'] == 'batch'
    with torch.no_grad():  # running statistics far from any batch's
        for m in model.teacher.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.fill_(3.0)
                m.running_var.fill_(0.1)
    model.train()
    assert model.teacher.training and model.student.training
    inputs, samples = batch()
    got = model.loss(inputs, samples)  # w = 0, not started: no branch
    assert got['pseudo_points'] == 0
    model.unsup_weight = 1.0
    got = model.loss(inputs, samples)
    expected, _ = expected_unsup(model, inputs,
                                 MODELS.build(dict(type='P2RLoss')))
    assert got['unsup'].item() == pytest.approx(expected.item(), rel=1e-6)
    # The same teacher with eval-mode BN (its running statistics) labels
    # differently.
    model.teacher.eval()
    eval_bn, _ = expected_unsup(model, inputs,
                                MODELS.build(dict(type='P2RLoss')))
    assert eval_bn.item() != pytest.approx(expected.item(), rel=1e-3)
    ema = semi_model(semi_train_cfg=dict(teacher_bn='ema')).train()
    assert not ema.teacher.training


def test_when_the_unlabelled_branch_runs():
    inputs, samples = batch()
    model = perturbed_teacher(semi_model())
    model.train()
    # Burn-in (not started, w = 0): skipped.
    assert model.loss(inputs, samples)['pseudo_points'] == 0
    # The first epoch after the burn-in (started, w = 0): it runs, as in
    # the official code, and adds nothing to the total.
    model.unsup_started = True
    out = model.loss(inputs, samples)
    assert out['pseudo_points'] > 0 and out['unsup'] > 0
    assert out['loss_semi'].item() == pytest.approx(out['sup'].item())
    # skip_unsup_when_unweighted=False: it runs during the burn-in too.
    model = perturbed_teacher(
        semi_model(semi_train_cfg=dict(skip_unsup_when_unweighted=False)))
    model.train()
    out = model.loss(inputs, samples)
    assert out['pseudo_points'] > 0 and out['unsup'] > 0
    assert out['loss_semi'].item() == pytest.approx(out['sup'].item())


def test_predict_on_teacher_predicts_with_the_teacher():
    model = semi_model()
    # Head channels up, background down: the teacher fires everywhere.
    model.teacher.head.cls.bias.data.copy_(
        torch.tensor([-5.0] * 4 + [5.0] * 4))
    model.eval()
    img = torch.randn(1, 3, 64, 64)
    own = {name: getattr(model, name).predict(img, [sample()])[0].pred_count
           for name in ('student', 'teacher')}
    assert own['student'] != own['teacher']
    for name in ('student', 'teacher'):
        model.semi_test_cfg['predict_on'] = name
        assert model(img, [sample()], mode='predict')[0].pred_count == \
            own[name]
        assert torch.equal(model(img, mode='tensor'),
                           getattr(model, name)._forward(img))


def test_batch_bn_teacher_parameters_follow_by_ema_buffers_its_own():
    """The paper's pairing: teacher_bn='batch' with skip_buffer=True."""
    model = semi_model()
    optim = torch.optim.SGD(model.student.parameters(), lr=0.1)
    hook = MeanTeacherHook(momentum=0.002, skip_buffer=True)
    runner = SimpleNamespace(model=model, iter=0)
    model.unsup_weight = 1.0
    model.train()
    for _ in range(2):
        before = {k: v.clone() for k, v in model.teacher.named_parameters()}
        inputs, samples = batch()
        optim.zero_grad()
        model.loss(inputs, samples)['loss_semi'].backward()
        optim.step()
        buffers = {k: v.clone() for k, v in model.teacher.named_buffers()}
        hook.after_train_iter(runner, 0)
        student = dict(model.student.named_parameters())
        for k, t in model.teacher.named_parameters():
            ema = 0.998 * before[k] + 0.002 * student[k]
            assert torch.allclose(t, ema, atol=1e-6), k
        for k, b in model.teacher.named_buffers():  # not averaged
            assert torch.equal(b, buffers[k]), k


def test_predictor_is_the_predict_on_model():
    model = semi_model()
    assert model.predictor is model.student
    model.semi_test_cfg['predict_on'] = 'teacher'
    assert model.predictor is model.teacher
    img = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(model(img, mode='tensor'),
                               model.teacher._forward(img))


def with_hidden_points(samples, points):
    """The unlabelled samples of ``samples`` with annotations that training
    must never use (both views, as the pipeline packs them)."""
    for branch in ('unsup_teacher', 'unsup_student'):
        for s, pts in zip(samples[branch], points):
            s.gt_points = torch.tensor(pts, dtype=torch.float32).reshape(
                -1, 2)
    return samples


def student_gradients(model, inputs, samples):
    model.zero_grad()
    out = model.loss(inputs, samples)
    out['loss_semi'].backward()
    grads = [p.grad.clone() for p in model.student.parameters()
             if p.grad is not None]
    return out, grads


def test_hidden_points_are_measured_never_trained_on():
    model = perturbed_teacher(semi_model(
        semi_train_cfg=dict(pseudo_quality=dict(match_distance=8.0))))
    model.unsup_weight = 1.0
    model.train()
    inputs, samples = batch()
    _, points = expected_unsup(model, inputs,
                               MODELS.build(dict(type='P2RLoss')))
    # The hidden heads are the pseudo-points of image 0 themselves, and
    # none on image 1: precision = the share of image 0's points.
    truth = [points[0].tolist(), []]
    out, grads = student_gradients(model, inputs,
                                   with_hidden_points(samples, truth))
    n0, n1 = len(points[0]), len(points[1])
    assert out['pseudo_recall'].item() == pytest.approx(1.0)
    assert out['pseudo_precision'].item() == pytest.approx(n0 / (n0 + n1))
    assert out['pseudo_count_ratio'].item() == pytest.approx(
        (n0 + n1) / n0)
    # Other hidden points: other statistics, the very same gradients.
    _, samples = batch()
    moved = [[[5.0, 60.0]], [[30.0, 30.0], [40.0, 8.0]]]
    out2, grads2 = student_gradients(model, inputs,
                                     with_hidden_points(samples, moved))
    assert out2['pseudo_count_ratio'].item() == pytest.approx((n0 + n1) / 3)
    assert out2['loss_semi'].item() == out['loss_semi'].item()
    assert all(torch.equal(a, b) for a, b in zip(grads, grads2))


def test_pseudo_quality_needs_the_unlabelled_annotations():
    model = perturbed_teacher(semi_model(
        semi_train_cfg=dict(pseudo_quality=dict(match_distance=8.0))))
    model.unsup_weight = 1.0
    inputs, samples = batch()
    with pytest.raises(ValueError, match='LoadCrowdAnnotations'):
        model.loss(inputs, samples)
    # Off (the default), annotations are not needed and not logged.
    model.semi_train_cfg['pseudo_quality'] = None
    assert 'pseudo_precision' not in model.loss(inputs, samples)


def student_input_of_strong_view(model, inputs, samples):
    seen = []
    forward = model.student._forward

    def spy(x):
        seen.append(x.detach().clone())
        return forward(x)

    model.student._forward = spy
    model.loss(inputs, samples)
    model.student._forward = forward
    return seen[-1]  # the sup forward comes first, the strong one last


@pytest.mark.parametrize('fill', [0.0, -1.5, None])
def test_the_cutout_is_filled_after_normalisation(fill):
    # The official code multiplies the normalised strong view by its cut
    # mask: the student sees 0 (the mean colour) there, not a black image.
    model = semi_model(semi_train_cfg=dict(cutout_fill=fill))
    model.unsup_weight = 1.0
    box = (8, 4, 40, 30)
    inputs, samples = batch(cutout_box=box)
    seen = student_input_of_strong_view(model, inputs, samples)
    inside = torch.zeros(64, 64, dtype=torch.bool)
    inside[4:30, 8:40] = True
    strong = inputs['unsup_student']
    assert torch.equal(seen[..., ~inside], strong[..., ~inside])
    if fill is None:
        assert torch.equal(seen, strong)
    else:
        assert (seen[..., inside] == fill).all()
    assert not (strong[..., inside] == 0).all()  # the batch is untouched


def test_teacher_init_copy_or_independent():
    copy = semi_model()
    assert copy.teacher_init == 'copy'
    independent = semi_model(semi_train_cfg=dict(teacher_init='independent'))
    for (k, s), t in zip(copy.student.state_dict().items(),
                         copy.teacher.state_dict().values()):
        assert torch.equal(s, t), k
    differ = [k for (k, s), t in zip(
        independent.student.state_dict().items(),
        independent.teacher.state_dict().values())
        if s.is_floating_point() and not torch.equal(s, t)]
    assert any(k.startswith('head.') for k in differ)
    assert any(k.startswith('neck.') for k in differ)
    with pytest.raises(ValueError, match='teacher_init'):
        semi_model(semi_train_cfg=dict(teacher_init='student'))


def test_p2r_mm_mean_teacher_hook_keeps_an_independent_teacher():
    from p2r_mm.engine.hooks import MeanTeacherHook as P2RMeanTeacherHook
    for init, hook_type, copied in [('independent', P2RMeanTeacherHook, False),
                                    ('copy', P2RMeanTeacherHook, True),
                                    ('independent', MeanTeacherHook, True)]:
        model = semi_model(semi_train_cfg=dict(teacher_init=init))
        with torch.no_grad():
            model.student.head.cls.weight.add_(1.0)
        hook = hook_type(momentum=0.002, skip_buffer=True)
        hook.before_train(SimpleNamespace(model=model, iter=0))
        same = torch.equal(model.student.head.cls.weight,
                           model.teacher.head.cls.weight)
        assert same == copied, (init, hook_type)
        # the EMA itself is mmdet's
        before = model.teacher.head.cls.weight.clone()
        hook.after_train_iter(SimpleNamespace(model=model, iter=0), 0)
        assert torch.allclose(
            model.teacher.head.cls.weight,
            0.998 * before + 0.002 * model.student.head.cls.weight)
