"""JHU-Crowd++, as its archive ships: ``{train,val,test}/images/NNNN.jpg``
with ``{split}/gt/NNNN.txt``."""
import os.path as osp

from p2r_mm.registry import DATASETS
from .annotation_io import read_number_rows
from .base_crowd_dataset import BaseCrowdDataset


@DATASETS.register_module()
class JHUCrowdDataset(BaseCrowdDataset):
    """JHU-Crowd++ (Sindagi et al., TPAMI 2020).

    Each ``gt/NNNN.txt`` has one head per line, ``x y w h occlusion blur``
    (pixels); x, y become ``gt_points`` and w, h ``gt_head_sizes``. An empty
    file is an image without heads (the dataset has such distractors).

    Args:
        data_root (str): the unpacked ``jhu_crowd_v2.0`` folder.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        **kwargs: see :class:`BaseCrowdDataset`.
    """

    METAINFO = dict(classes=('person', ), dataset_name='JHU-Crowd++')
    SPLITS = ('train', 'val', 'test')
    HAS_HEAD_SIZES = True
    LAYOUT = ('{root}/\n'
              '  {split}/images/0001.jpg, ...\n'
              '  {split}/gt/0001.txt, ...  (lines: x y w h occlusion blur)')
    SOURCE = ('JHU-Crowd++ (jhu_crowd_v2.0) is distributed at '
              'http://www.crowd-counting.com/.')

    def __init__(self, data_root: str = '', split: str = 'train', **kwargs):
        self.set_split(split)
        super().__init__(data_root=data_root, **kwargs)

    def list_samples(self):
        split_dir = osp.join(self.data_root, self.split)
        images = self.find_images(osp.join(split_dir, 'images'))
        return [(p, osp.join(split_dir, 'gt', osp.splitext(
            osp.basename(p))[0] + '.txt')) for p in images]

    def parse_annotation(self, ann_ref):
        rows = read_number_rows(ann_ref, min_cols=4)
        return dict(points=rows[:, :2], head_sizes=rows[:, 2:4])
