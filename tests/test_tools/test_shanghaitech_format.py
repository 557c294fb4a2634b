"""Generated scenes in ShanghaiTech's layout (the data of gpu_check.py's
throughput section, tools/analysis_tools/gpu_checks/shanghaitech_format.py)
read back by the dataset."""
import importlib
import importlib.util
import os
import os.path as osp

import numpy as np
import pytest

from p2r_mm.datasets import ShanghaiTechDataset
from p2r_mm.datasets.synthetic import SceneParams, generate_scene
from .test_train_test_tools import REPO

spec = importlib.util.spec_from_file_location(
    'gpu_check', osp.join(REPO, 'tools', 'analysis_tools', 'gpu_check.py'))
gpu_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_check)
gpu_check.load_sections()  # the gpu_checks package, importable by name
write_shanghaitech = importlib.import_module(
    'gpu_checks.shanghaitech_format').write_shanghaitech

SMALL = SceneParams(image_size=(48, 64), count_range=(3, 20))


def test_written_folder_reads_back_as_shanghaitech(tmp_path):
    counts = write_shanghaitech(str(tmp_path), num_train=7, num_test=2,
                                distinct=3, params=SMALL)
    assert len(counts['train']) == 7 and len(counts['test']) == 2
    # IMG_k repeats scene (k - 1) % distinct, points and all.
    assert counts['train'][3] == counts['train'][0]
    train = ShanghaiTechDataset(data_root=str(tmp_path), split='train',
                                pipeline=[])
    assert len(train) == 7
    by_name = {os.path.basename(train[i]['img_path']): train[i]
               for i in range(len(train))}
    scene = generate_scene(0, 1, 'train', SMALL)
    for name in ('IMG_2.jpg', 'IMG_5.jpg'):
        info = by_name[name]
        np.testing.assert_allclose(info['gt_points'], scene.points,
                                   atol=1e-6)
        assert (info['height'], info['width']) == scene.image.shape[:2]
    test = ShanghaiTechDataset(data_root=str(tmp_path), split='test',
                               pipeline=[])
    assert len(test) == 2


def test_matching_folder_is_reused_and_other_parameters_rewrite(tmp_path):
    root = str(tmp_path)
    write_shanghaitech(root, num_train=4, num_test=0, distinct=2,
                       params=SMALL)
    img = tmp_path / 'train_data' / 'images' / 'IMG_1.jpg'
    stamp = img.stat().st_mtime_ns
    write_shanghaitech(root, num_train=4, num_test=0, distinct=2,
                       params=SMALL)
    assert img.stat().st_mtime_ns == stamp
    counts = write_shanghaitech(root, num_train=3, num_test=0, distinct=2,
                                params=SMALL, seed=1)
    assert len(os.listdir(tmp_path / 'train_data' / 'images')) == 3
    assert len(counts['train']) == 3


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match='num_train >= 1'):
        write_shanghaitech(str(tmp_path), num_train=0)
