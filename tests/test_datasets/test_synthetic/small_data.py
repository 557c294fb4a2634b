"""Small synthetic splits for the on-disk and dataset tests."""
import os
import os.path as osp

from p2r_mm.datasets.synthetic import SceneParams, SyntheticCrowdDataset

# Small scenes keep the on-disk tests fast; the scene tests use defaults.
SMALL = dict(image_size=(64, 96), scene=dict(count_range=(5, 40)))
SMALL_PARAMS = SceneParams(image_size=(64, 96), count_range=(5, 40))


def files_of(folder):
    """{relative path: bytes} of every file under ``folder``."""
    out = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, folder)] = f.read()
    return out


def synthetic(root, **kwargs):
    return SyntheticCrowdDataset(data_root=str(root), **{**SMALL, **kwargs})


def infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]
