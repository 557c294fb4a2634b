"""tools/deployment/pytorch2onnx.py on tiny generated checkpoints, run as
a subprocess: the export, its printed parity check, semi-supervised
checkpoints, and refusals."""
import importlib.util
import os
import os.path as osp
import re
import sys

import onnx
import pytest
import torch

from ..test_apis.tiny_counter import (REPO, pattern_count, random_image,
                                      write_checkpoint, write_config)
from ..test_apis.tiny_onnx import EXPORT_TOOL, export_onnx, hide_package

PARITY_LINE = re.compile(
    r'(\d+) x (\d+)x(\d+): max \|logit difference\| (\S+) \(<= 0.0001\), '
    r'count pytorch (\d+) / onnxruntime (\d+): (ok|FAILED)')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('export')
    cfg = write_config(tmp / 'tiny.py')
    return tmp, cfg, write_checkpoint(cfg, tmp / 'random.pth', False)


def parity_lines(stdout):
    return [m.groups() for m in PARITY_LINE.finditer(stdout)]


def test_dynamic_export_checks_three_sizes(tiny):
    tmp, cfg, ckpt = tiny
    out = tmp / 'sub' / 'tiny.onnx'  # folders are created
    log = export_onnx(cfg, ckpt, out).stdout
    lines = parity_lines(log)
    assert len({(h, w) for _, h, w, *_ in lines}) == 3, log
    for batch, h, w, diff, n_torch, n_onnx, verdict in lines:
        assert float(diff) <= 1e-4 and n_torch == n_onnx
        assert verdict == 'ok'
    assert 'parity ok' in log and osp.isfile(out)
    model = onnx.load(str(out))
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta['p2r_mm.stride'] == '4'
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims][1] == 3
    assert all(d.dim_param for i, d in enumerate(dims) if i != 1)

    refused = export_onnx(cfg, ckpt, out, ok=False)
    assert 'already exists' in refused.stderr
    export_onnx(cfg, ckpt, out, '--overwrite')


def test_fixed_shape_export(tiny):
    tmp, cfg, ckpt = tiny
    out = tmp / 'fixed.onnx'
    log = export_onnx(cfg, ckpt, out, '--shape', 64, 96).stdout
    lines = parity_lines(log)
    assert [line[:3] for line in lines] == [('1', '64', '96')] * 3
    dims = onnx.load(str(out)).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [1, 3, 64, 96]
    # --dynamic keeps the traced size's graph open.
    log = export_onnx(cfg, ckpt, tmp / 'traced.onnx', '--shape', 64, 96,
                      '--dynamic').stdout
    assert len({line[1:3] for line in parity_lines(log)}) == 3


def semi_checkpoint(tmp, student: dict, teacher: dict) -> str:
    path = str(tmp / 'semi.pth')
    state = {f'student.{k}': v for k, v in student.items()}
    state.update({f'teacher.{k}': v for k, v in teacher.items()})
    torch.save({'state_dict': state}, path)
    return path


def test_semi_supervised_export_follows_predict_on(tiny):
    tmp, cfg, random_ckpt = tiny
    pattern = torch.load(write_checkpoint(cfg, tmp / 'pattern.pth', True),
                         weights_only=True)['state_dict']
    random = torch.load(random_ckpt, weights_only=True)['state_dict']
    semi_ckpt = semi_checkpoint(tmp, student=pattern, teacher=random)
    semi_cfg = write_config(tmp / 'semi.py', semi=True)
    teacher_cfg = tmp / 'semi_teacher.py'
    teacher_cfg.write_text(
        f"_base_ = ['{semi_cfg}']\n"
        "model = dict(semi_test_cfg=dict(predict_on='teacher'))\n")
    from p2r_mm.apis import inference_counter, init_counter
    img = random_image(150, 200, seed=7)

    log = export_onnx(semi_cfg, semi_ckpt, tmp / 'student.onnx').stdout
    assert 'the student (semi_test_cfg.predict_on)' in log
    student = inference_counter(init_counter(semi_cfg, tmp / 'student.onnx'),
                                img)
    assert student.pred_count == pattern_count(150, 200)

    log = export_onnx(teacher_cfg, semi_ckpt, tmp / 'teacher.onnx').stdout
    assert 'the teacher (semi_test_cfg.predict_on)' in log
    teacher = inference_counter(
        init_counter(str(teacher_cfg), str(tmp / 'teacher.onnx')), img)
    expected = inference_counter(init_counter(cfg, random_ckpt), img)
    assert teacher.pred_count == expected.pred_count != student.pred_count


def test_parity_check_fails_on_another_model(tiny):
    """The check is not a formality: a graph of other weights fails it."""
    tmp, cfg, ckpt = tiny
    out = tmp / 'pattern.onnx'
    export_onnx(cfg, write_checkpoint(cfg, tmp / 'pattern2.pth', True), out)
    spec = importlib.util.spec_from_file_location(
        'pytorch2onnx', osp.join(REPO, EXPORT_TOOL))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    from p2r_mm.apis import init_counter
    torch_counter = init_counter(cfg, ckpt)
    assert not tool.check_parity(torch_counter, init_counter(cfg, str(out)),
                                 tool.DYNAMIC_CHECKS)


def test_refusals_name_the_problem(tiny):
    tmp, cfg, ckpt = tiny
    bad = export_onnx(cfg, ckpt, tmp / 'x.onnx', '--shape', 60, 96,
                      ok=False)
    assert 'multiples of 32' in bad.stderr
    bad = export_onnx(cfg, ckpt, tmp / 'x.pt', ok=False)
    assert '.onnx' in bad.stderr
    bad = export_onnx(cfg, tmp / 'missing.pth', tmp / 'x.onnx', ok=False)
    assert 'missing.pth' in bad.stderr


@pytest.mark.parametrize('package', ['onnx', 'onnxruntime'])
def test_missing_deploy_extra_is_one_line(tiny, package):
    tmp, cfg, ckpt = tiny
    out = export_onnx(cfg, ckpt, tmp / 'x.onnx', ok=False,
                      env=hide_package(tmp / f'no_{package}', package))
    message = out.stderr.strip()
    assert len(message.splitlines()) == 1, out.stderr
    assert package in message and '".[deploy]"' in message
    assert not osp.exists(tmp / 'x.onnx')


def test_a_failed_export_leaves_nothing_and_keeps_the_old_file(
        tiny, monkeypatch, capsys):
    """A graph that fails the parity check is never written under the
    final name, and does not replace a good export there."""
    tmp, cfg, ckpt = tiny
    folder = tmp / 'failed_export'
    folder.mkdir()
    out = folder / 'model.onnx'
    out.write_bytes(b'an earlier, good export')
    spec = importlib.util.spec_from_file_location(
        'pytorch2onnx', osp.join(REPO, EXPORT_TOOL))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(tool, 'check_parity', lambda *args: False)
    monkeypatch.setattr(sys, 'argv', [EXPORT_TOOL, cfg, str(ckpt),
                                      str(out), '--overwrite'])
    with pytest.raises(SystemExit) as failed:
        tool.main()
    assert 'parity check FAILED' in str(failed.value)
    assert f"{str(out)!r} was not written" in str(failed.value)
    assert out.read_bytes() == b'an earlier, good export'
    assert os.listdir(folder) == ['model.onnx']  # no temporary left
