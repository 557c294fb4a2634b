"""configs/p2r/sha_5pct.py replays the official P2R recipe (the values of
docs/recipe.md), checked by behaviour where it can be."""
import math
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import CheckpointHook
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from p2r_mm.evaluation import CountingMetric
from p2r_mm.registry import HOOKS, MODELS
from ..test_datasets.fake_crowd_data import make_shanghaitech

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(osp.join(REPO, 'configs/p2r/sha_5pct.py'))


def build_model(cfg):
    model_cfg = cfg.model.copy()
    model_cfg['counter']['backbone']['init_cfg'] = None  # no download
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def test_a_step_holds_16_labelled_and_16_unlabelled_256px_crops(
        cfg, tmp_path):
    root = tmp_path / 'part_A'
    make_shanghaitech(str(root), n_train=40, n_test=1)
    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg.update(num_workers=0, persistent_workers=False)
    dataset = loader_cfg['dataset']
    dataset['dataset']['data_root'] = f'{root}/'
    # The shipped list names images of the real archive; 4 of 40 here.
    dataset.update(labeled_split=None, labeled_ratio=0.1)
    loader_cfg['sampler']['seed'] = 0
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        loader = Runner.build_dataloader(loader_cfg)
        model = build_model(cfg)
    # Every train image is unlabelled data: 40 -> 16 + 16 + 8 per epoch.
    assert len(loader) == 3
    sizes = []
    for data in loader:
        data = model.data_preprocessor(data, True)
        shapes = {k: tuple(v.shape) for k, v in data['inputs'].items()}
        sizes.append(shapes)
    full = (16, 3, 256, 256)
    assert sizes[0] == dict(sup=full, unsup_teacher=full, unsup_student=full)
    assert sizes[-1]['sup'][0] == sizes[-1]['unsup_teacher'][0] == 8


def test_optimiser_groups_no_decay_no_clipping(cfg):
    model = build_model(cfg)
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert isinstance(wrapper.optimizer, torch.optim.Adam)
    lr_of = {}
    for group in wrapper.optimizer.param_groups:
        assert group['weight_decay'] == pytest.approx(1e-4)
        for p in group['params']:
            lr_of[id(p)] = group['lr']
    for name, p in model.student.named_parameters():
        expected = 1e-5 if name.startswith('backbone.') else 5e-5
        assert lr_of[id(p)] == pytest.approx(expected), name
    assert cfg.optim_wrapper.get('clip_grad') is None
    assert not cfg.get('param_scheduler')  # constant lr
    assert cfg.train_cfg.max_epochs == 1500 and cfg.train_cfg.val_interval == 5
    assert cfg.randomness.seed == 2024
    # The total batch the lr belongs to: 1 GPU x (16 + 16).
    assert cfg.auto_scale_lr.base_batch_size == cfg.train_dataloader.batch_size


def test_teacher_bn_runs_on_the_batch_and_only_parameters_follow(cfg):
    model = build_model(cfg)
    model.train()
    assert model.teacher.training
    assert all(m.training for m in model.teacher.modules())
    hooks = {h['type']: h for h in cfg.custom_hooks}
    teacher_hook = hooks['MeanTeacherHook']
    assert teacher_hook['momentum'] == pytest.approx(1 - 0.998)
    assert teacher_hook['interval'] == 1 and teacher_hook['skip_buffer']


def test_unlabelled_weight_ramp_is_the_official_one(cfg):
    hook_cfg = [h for h in cfg.custom_hooks
                if h['type'] == 'UnsupWeightHook'][0]
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        hook = HOOKS.build(hook_cfg)
    for epoch in range(1500):
        assert hook.weight_at(epoch) == pytest.approx(
            min(max((epoch - 50) * 0.01, 0), 2), abs=1e-12)
        assert hook.started_at(epoch) == (epoch >= 50)


def test_fusion_neck_and_initialisation_are_the_official_ones(cfg):
    model = build_model(cfg)
    neck, head = model.student.neck, model.student.head
    assert torch.count_nonzero(neck.lateral_fine.bias) == 0
    assert torch.count_nonzero(neck.lateral_coarse.bias) == 0
    assert torch.count_nonzero(neck.fuse.bias) > 0  # PyTorch's default
    for conv in (head.convs[0], head.convs[2], head.cls):
        assert torch.count_nonzero(conv.bias) == 0
        # PyTorch's default weights: uniform within 1 / sqrt(fan_in).
        bound = 1 / math.sqrt(conv.weight[0].numel())
        assert conv.weight.abs().max() <= bound
        assert conv.weight.abs().max() > 0.9 * bound
    fine, coarse = torch.randn(1, 512, 8, 12), torch.randn(1, 512, 4, 6)
    expected = neck.fuse(
        neck.lateral_fine(fine) + F.interpolate(
            neck.lateral_coarse(coarse), (8, 12), mode='bilinear',
            align_corners=False))  # no activation after the 3x3 conv
    assert torch.allclose(neck((fine, coarse)), expected)
    assert (neck((fine, coarse)) < 0).any()


def test_best_checkpoint_is_the_lowest_4mae_plus_rmse(cfg):
    ckpt_cfg = cfg.default_hooks.checkpoint
    hook = CheckpointHook(**{k: v for k, v in ckpt_cfg.items()
                             if k != 'type'})
    assert hook.key_indicators == ['mae4_rmse']

    def score(pairs):
        metric = CountingMetric()
        return metric.compute_metrics(pairs)

    a = score([(0.0, 10.0), (10.0, 10.0), (40.0, 20.0)])
    b = score([(0.0, 12.0), (12.0, 0.0), (24.0, 12.0)])
    assert a['mae4_rmse'] == pytest.approx(4 * a['mae'] + a['rmse'])
    better = hook.is_better_than['mae4_rmse']
    assert better(a['mae4_rmse'], b['mae4_rmse']) == (
        a['mae4_rmse'] < b['mae4_rmse'])
    # Where MAE and the official score disagree, the score decides.
    low_mae = score([(0.0, 0.0)] * 3 + [(36.0, 0.0)])    # MAE 9, RMSE 18
    low_score = score([(10.0, 0.0)] * 4)                 # MAE 10, RMSE 10
    assert low_mae['mae'] < low_score['mae']
    assert better(low_score['mae4_rmse'], low_mae['mae4_rmse'])


def test_the_teacher_keeps_its_own_initialisation(cfg):
    # Official: two networks built separately, never copied into each
    # other (the backbones agree only through their ImageNet weights).
    model = build_model(cfg)
    assert model.semi_train_cfg['teacher_init'] == 'independent'
    student, teacher = model.student, model.teacher
    assert not torch.equal(student.head.cls.weight, teacher.head.cls.weight)
    assert not torch.equal(student.neck.fuse.weight, teacher.neck.fuse.weight)
    hook_cfg = [h for h in cfg.custom_hooks
                if h['type'] == 'MeanTeacherHook'][0]
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        hook = HOOKS.build(hook_cfg)
    before = teacher.head.cls.weight.clone()
    hook.before_train(SimpleNamespace(model=model, iter=0))
    assert torch.equal(teacher.head.cls.weight, before)


def test_the_strong_view_is_made_as_the_official_loader_makes_it(cfg):
    dataset = cfg.train_dataloader.dataset
    pipeline = dataset.unlabeled_pipeline
    # photometry on the whole image, then the crop both views share
    assert [t['type'] for t in pipeline] == [
        'LoadCrowdImage', 'AddStrongImage', 'RandomScaleCrop',
        'PointRandomFlip', 'mmdet.MultiBranch']
    photometry = pipeline[1]['transforms']
    assert [t['type'] for t in photometry] == [
        'mmcv.RandomApply', 'mmcv.RandomGrayscale', 'RandomGaussianBlur']
    strong = pipeline[-1]['unsup_student']
    assert [t['type'] for t in strong] == [
        'UseStrongImage', 'RandomCutout', 'PackCrowdInputs']
    # the box is filled after normalisation, with the mean colour
    assert strong[1]['fill'] is None
    assert cfg.model.semi_train_cfg.cutout_fill == 0.0
