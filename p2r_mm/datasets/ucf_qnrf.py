"""UCF-QNRF, as its archive ships: ``{Train,Test}/img_XXXX.jpg`` next to
``img_XXXX_ann.mat``."""
import os.path as osp

from p2r_mm.registry import DATASETS
from .annotation_io import load_mat
from .base_crowd_dataset import BaseCrowdDataset


@DATASETS.register_module()
class UCFQNRFDataset(BaseCrowdDataset):
    """UCF-QNRF (Idrees et al., ECCV 2018): 1201 train, 334 test images.

    Each ``img_XXXX_ann.mat`` holds ``annPoints``, (N, 2) (x, y) in pixels.
    The common validation protocol holds 120 train images out:
    ``split='train', holdout=120`` (with ``subset='holdout'`` for the
    validation set).

    Args:
        data_root (str): the unpacked ``UCF-QNRF_ECCV18`` folder.
        split (str): ``'train'`` or ``'test'`` (folders ``Train``, ``Test``).
        **kwargs: see :class:`BaseCrowdDataset`.
    """

    METAINFO = dict(classes=('person', ), dataset_name='UCF-QNRF')
    SPLIT_DIRS = dict(train='Train', test='Test')
    SPLITS = tuple(SPLIT_DIRS)
    LAYOUT = ('{root}/\n'
              '  Train/img_0001.jpg, img_0001_ann.mat, ...\n'
              '  Test/img_0001.jpg, img_0001_ann.mat, ...')
    SOURCE = ('UCF-QNRF is distributed by UCF CRCV as UCF-QNRF_ECCV18.zip '
              '(https://www.crcv.ucf.edu/data/ucf-qnrf/).')

    def __init__(self, data_root: str = '', split: str = 'train', **kwargs):
        self.set_split(split)
        super().__init__(data_root=data_root, **kwargs)

    def list_samples(self):
        folder = osp.join(self.data_root, self.SPLIT_DIRS[self.split])
        images = self.find_images(folder)
        return [(p, osp.splitext(p)[0] + '_ann.mat') for p in images]

    def parse_annotation(self, ann_ref):
        mat = load_mat(ann_ref)
        if 'annPoints' not in mat:
            raise ValueError(f"{ann_ref}: no variable 'annPoints' (has "
                             f'{sorted(k for k in mat if k[0] != "_")})')
        return dict(points=mat['annPoints'])
