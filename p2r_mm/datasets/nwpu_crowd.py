"""NWPU-Crowd, as its archive ships: ``images/NNNN.jpg``, ``jsons/NNNN.json``
and the split lists ``train.txt``, ``val.txt``, ``test.txt``."""
import os.path as osp

import numpy as np

from p2r_mm.registry import DATASETS
from .annotation_io import load_json
from .base_crowd_dataset import BaseCrowdDataset
from .load_problems import first_few


@DATASETS.register_module()
class NWPUCrowdDataset(BaseCrowdDataset):
    """NWPU-Crowd (Wang et al., TPAMI 2020): 3109 train, 500 val, 1500 test.

    Each ``jsons/NNNN.json`` has ``points`` ([[x, y], ...], pixels),
    ``boxes`` ([[x1, y1, x2, y2], ...], one per point; ``gt_head_sizes`` is
    ``(x2 - x1, y2 - y1)``) and ``human_num`` (a mismatch with the number
    of points is reported, the points are used).

    The test annotations are not public: with ``split='test'`` images
    without a json are loaded with ``has_gt=False`` and empty
    ``gt_points``; predictions are scored by the benchmark's server.

    Args:
        data_root (str): the unpacked NWPU-Crowd folder.
        split (str): ``'train'``, ``'val'`` or ``'test'``; the images are
            those whose id starts a line of ``<split>.txt``.
        **kwargs: see :class:`BaseCrowdDataset`; ``holdout='nwpu-val.txt'``
            holds out the 310 train images conventionally used to select
            checkpoints.
    """

    METAINFO = dict(classes=('person', ), dataset_name='NWPU-Crowd')
    SPLITS = ('train', 'val', 'test')
    HAS_HEAD_SIZES = True
    LAYOUT = ('{root}/\n'
              '  images/0001.jpg, ...\n'
              '  jsons/0001.json, ...  (none for the test split)\n'
              '  train.txt, val.txt, test.txt  (lines: id illumination '
              'scene-level)')
    SOURCE = ('NWPU-Crowd is distributed at '
              'https://www.crowdbenchmark.com/nwpucrowd.html.')

    def __init__(self, data_root: str = '', split: str = 'train', **kwargs):
        self.set_split(split)
        kwargs.setdefault('allow_unannotated', split == 'test')
        super().__init__(data_root=data_root, **kwargs)

    def list_samples(self):
        list_file = osp.join(self.data_root, f'{self.split}.txt')
        if not osp.isfile(list_file):
            self.raise_not_found(f'no split list {list_file}')
        with open(list_file, encoding='utf-8') as f:
            ids = [line.split()[0] for line in f if line.strip()]
        # Ids are zero-padded file stems; tolerate lists that drop zeros.
        ids = [i.zfill(4) if i.isdigit() else i for i in ids]
        if not ids:
            self.raise_not_found(f'{list_file} lists no images')
        images = [osp.join(self.data_root, 'images', f'{i}.jpg') for i in ids]
        missing = [p for p in images if not osp.isfile(p)]
        if len(missing) == len(images):
            self.raise_not_found(f'none of the images {list_file} lists '
                                 f'exists, e.g. {missing[0]}')
        if missing:
            raise FileNotFoundError(
                f'{self.describe()}: {list_file} lists {len(missing)} images '
                f'that do not exist: {first_few(missing)}')
        return [(p, osp.join(self.data_root, 'jsons', f'{i}.json'))
                for p, i in zip(images, ids)]

    def parse_annotation(self, ann_ref):
        ann = load_json(ann_ref)
        if not isinstance(ann, dict) or 'points' not in ann \
                or 'boxes' not in ann:
            raise ValueError(f"{ann_ref}: expected an object with 'points' "
                             "and 'boxes'")
        boxes = np.asarray(ann['boxes'], dtype=np.float64)
        if boxes.size == 0:
            boxes = boxes.reshape(0, 4)
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(f'{ann_ref}: boxes must have shape (N, 4), got '
                             f'{boxes.shape}')
        out = dict(points=ann['points'],
                   head_sizes=boxes[:, 2:] - boxes[:, :2])
        num = ann.get('human_num')
        if num is not None and num != len(ann['points']):
            out['warning'] = (f'{ann_ref} (human_num {num}, '
                              f'{len(ann["points"])} points)')
        return out
