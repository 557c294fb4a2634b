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
    g = torch.Generator().manual_seed(1)
    img = torch.randn(2, 3, 64, 64, generator=g)
    return (dict(sup=img, unsup_teacher=img, unsup_student=img.clone()),
            dict(sup=[sample(points=[[10, 10]]), sample(points=[])],
                 unsup_teacher=[sample(), sample()],
                 unsup_student=[sample(cutout_box=cutout_box),
                                sample(cutout_box=cutout_box)]))


def test_teacher_starts_as_a_copy_and_gets_no_gradient():
    model = semi_model()
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
        from p2r_mm.models.counters import pseudo_points_from_logits
        points, conf = pseudo_points_from_logits(t_logits, 4, [(64, 64)] * 2)
        s_logits = model.student._forward(inputs['unsup_student'])
        weights = cutout_cell_weights([box, box], 16, 16, 4)
        assert 0 < weights.sum() < 2 * 256
        expected = model.unsup_loss_fn(s_logits, points, 4, conf, weights)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)


def test_teacher_changes_only_by_ema():
    model = semi_model()
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
    model.student.head.cls.bias.data.fill_(5.0)  # student fires everywhere
    model.eval()
    img = torch.randn(1, 3, 64, 64)
    student = model(img, [sample()], mode='predict')[0].pred_count
    model.semi_test_cfg['predict_on'] = 'teacher'
    teacher = model(img, [sample()], mode='predict')[0].pred_count
    assert student != teacher


def test_bad_teacher_bn():
    with pytest.raises(ValueError, match='teacher_bn'):
        semi_model(semi_train_cfg=dict(teacher_bn='frozen'))


def test_predictor_is_the_predict_on_model():
    model = semi_model()
    assert model.predictor is model.student
    model.semi_test_cfg['predict_on'] = 'teacher'
    assert model.predictor is model.teacher
    img = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(model(img, mode='tensor'),
                               model.teacher._forward(img))
