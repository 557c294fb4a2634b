"""tools/model_converters/official_p2r_to_p2r_mm.py: an official-layout
P2R network (the module list of Elin24/P2RLoss models/vgg16bn.py and
models/utils.py, rebuilt here with random weights) converts into the
paper config's SemiPointCounter with the same logits."""
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope

from p2r_mm.registry import MODELS
from ..test_datasets.fake_crowd_data import make_shanghaitech
from .test_train_test_tools import REPO, run

TOOL = 'tools/model_converters/official_p2r_to_p2r_mm.py'
VGG16 = (64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M',
         512, 512, 512, 'M')


class OfficialFuse(nn.Module):
    """fuse_layer: UpSample_P2P(bn=False, relu=False)."""

    def __init__(self):
        super().__init__()
        self.align_layers = nn.ModuleList(
            [nn.Conv2d(512, 256, 1), nn.Conv2d(512, 256, 1)])
        self.fuse = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1),
                                  nn.Identity(), nn.Identity())

    def forward(self, feats):
        fine = self.align_layers[0](feats[0])
        coarse = F.interpolate(self.align_layers[1](feats[1]),
                               fine.shape[-2:], mode='bilinear',
                               align_corners=False)
        return self.fuse(fine + coarse)


class OfficialP2RNet(nn.Module):
    """The official VGG16_BN counter's modules, under the official names."""

    def __init__(self):
        super().__init__()
        layers, ch = [], 3
        for v in VGG16:
            if v == 'M':
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(ch, v, 3, padding=1), nn.BatchNorm2d(v),
                           nn.ReLU(inplace=True)]
                ch = v
        self.encoders = nn.ModuleList(
            [nn.Sequential(*layers[0:33]), nn.Sequential(*layers[33:43])])
        self.fuse_layer = OfficialFuse()
        self.decoders = nn.Sequential(
            nn.Sequential(nn.Conv2d(256, 256, 3, padding=1), nn.ReLU()),
            nn.Sequential(nn.Conv2d(256, 256, 3, padding=1), nn.ReLU()),
            nn.Conv2d(256, 8, 3, padding=1), nn.PixelShuffle(2))

    def forward(self, x):
        c4 = self.encoders[0](x)
        c5 = self.encoders[1](c4)
        two = self.decoders(self.fuse_layer([c4, c5]))
        return two[:, 1:2] - two[:, 0:1]


def official_net(seed):
    torch.manual_seed(seed)
    net = OfficialP2RNet()
    with torch.no_grad():  # BN statistics and biases away from defaults
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
            elif isinstance(m, nn.Conv2d):
                m.bias.uniform_(-0.05, 0.05)
    return net.eval()


def paper_model():
    cfg = Config.fromfile(f'{REPO}/configs/p2r/sha_5pct.py')
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('official')
    student, teacher = official_net(0), official_net(1)
    src = tmp / 'ckpt_epoch_best.pth'
    torch.save(dict(student=student.state_dict(),
                    teacher=teacher.state_dict(),
                    max_accuracy=(69.9, 115.2, 0.01)), src)
    dst = tmp / 'p2r_mm.pth'
    log = run(sys.executable, TOOL, str(src), str(dst))
    assert str(dst) in log
    return tmp, dst, student, teacher


def test_converted_checkpoint_loads_strictly_and_gives_the_same_logits(
        converted):
    _, dst, student, teacher = converted
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    assert ckpt['meta']['official_mae'] == pytest.approx(69.9)
    model = paper_model()
    model.load_state_dict(ckpt['state_dict'], strict=True)
    model.eval()
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        for name, official in (('student', student), ('teacher', teacher)):
            ours = getattr(model, name)._forward(x)
            theirs = official(x)
            assert ours.shape == theirs.shape == (2, 1, 16, 24)
            assert torch.allclose(ours, theirs, atol=1e-5, rtol=1e-5), name
        # Student and teacher came from different networks.
        assert not torch.allclose(model.student._forward(x),
                                  model.teacher._forward(x))


def test_the_inference_api_predicts_with_the_converted_student(converted):
    from p2r_mm.apis import init_counter
    _, dst, student, _ = converted
    model = init_counter(f'{REPO}/configs/p2r/sha_5pct.py', str(dst))
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(model(x, mode='tensor'), student(x),
                              atol=1e-5, rtol=1e-5)


def test_tools_test_evaluates_the_converted_checkpoint(converted):
    tmp, dst, _, _ = converted
    root = tmp / 'part_A'
    make_shanghaitech(str(root), n_train=2, n_test=2)
    log = run(sys.executable, 'tools/test.py', 'configs/p2r/sha_5pct.py',
              str(dst), '--work-dir', str(tmp / 'work'), '--cfg-options',
              f'test_dataloader.dataset.data_root={root}/',
              'test_dataloader.num_workers=0',
              'test_dataloader.persistent_workers=False')
    assert 'mae4_rmse' in log and 'rmse' in log


def test_wrong_formats_are_named(tmp_path):
    mmengine_ckpt = tmp_path / 'epoch_5.pth'
    torch.save(dict(state_dict={'student.x': torch.zeros(1)}, meta={}),
               mmengine_ckpt)
    out = run_failing(mmengine_ckpt, tmp_path)
    assert 'not a checkpoint of the official P2R code' in out
    assert 'found keys: state_dict, meta' in out
    assert 'p2r_mm / MMEngine checkpoint already' in out

    odd = tmp_path / 'odd.pth'
    net = official_net(0).state_dict()
    net['extra_head.weight'] = torch.zeros(1)
    torch.save(dict(student=net, teacher=net), odd)
    out = run_failing(odd, tmp_path)
    assert f'{odd} [student]: 1 keys are not of the official' in out
    assert 'extra_head.weight' in out

    out = run_failing(tmp_path / 'missing.pth', tmp_path)
    assert 'missing.pth: no such file' in out


def run_failing(src, tmp_path):
    import subprocess
    proc = subprocess.run(
        [sys.executable, TOOL, str(src), str(tmp_path / 'out.pth')],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert not (tmp_path / 'out.pth').exists()
    return proc.stderr
