"""ShanghaiTech crowd counting dataset (parts A and B), as its archive
ships: ``{train,test}_data/images/IMG_n.jpg`` with
``{train,test}_data/ground-truth/GT_IMG_n.mat``."""
import os.path as osp

from p2r_mm.registry import DATASETS
from .annotation_io import load_mat
from .base_crowd_dataset import BaseCrowdDataset


@DATASETS.register_module()
class ShanghaiTechDataset(BaseCrowdDataset):
    """ShanghaiTech part A or part B (Zhang et al., CVPR 2016).

    Each ``GT_IMG_n.mat`` holds a MATLAB cell ``image_info`` whose struct
    field ``location`` is the (N, 2) array of (x, y) head points in pixels.

    Args:
        data_root (str): the part's folder, e.g. ``data/ShanghaiTech/part_A``
            (the archive's ``part_A_final`` works too).
        split (str): ``'train'`` or ``'test'``.
        **kwargs: see :class:`BaseCrowdDataset` (``labeled_split``,
            ``subset``, ``holdout``, ``out_of_image``, ``pipeline``, ...).
    """

    METAINFO = dict(classes=('person', ), dataset_name='ShanghaiTech')
    SPLITS = ('train', 'test')
    # Both spellings occur in redistributed copies of the archive.
    GT_DIRS = ('ground-truth', 'ground_truth')
    LAYOUT = ('{root}/\n'
              '  {split}_data/images/IMG_1.jpg, IMG_2.jpg, ...\n'
              '  {split}_data/ground-truth/GT_IMG_1.mat, ... '
              '(or ground_truth/)')
    SOURCE = ('ShanghaiTech comes from the authors of "Single-Image Crowd '
              'Counting via Multi-Column CNN" (CVPR 2016); unpack it so that '
              'data_root is its part_A or part_B folder.')

    def __init__(self, data_root: str = '', split: str = 'train', **kwargs):
        self.set_split(split)
        super().__init__(data_root=data_root, **kwargs)

    def list_samples(self):
        split_dir = osp.join(self.data_root, f'{self.split}_data')
        images = self.find_images(osp.join(split_dir, 'images'))
        gt_dir = next((osp.join(split_dir, d) for d in self.GT_DIRS
                       if osp.isdir(osp.join(split_dir, d))),
                      osp.join(split_dir, self.GT_DIRS[0]))
        return [(p, osp.join(gt_dir, 'GT_' + osp.splitext(
            osp.basename(p))[0] + '.mat')) for p in images]

    def parse_annotation(self, ann_ref):
        mat = load_mat(ann_ref)
        if 'image_info' not in mat:
            raise ValueError(f"{ann_ref}: no variable 'image_info' (has "
                             f'{sorted(k for k in mat if k[0] != "_")})')
        # cell{1} -> struct -> field 'location', by name: a file re-saved
        # with the fields in another order reads the same.
        struct = mat['image_info'][0, 0]
        fields = getattr(struct, 'dtype', None)
        fields = (fields.names if fields is not None else None) or ()
        if 'location' not in fields:
            raise ValueError(f"{ann_ref}: malformed annotation: "
                             "image_info{1} is not a struct with a field "
                             f"'location' (fields: {list(fields)})")
        return dict(points=struct[0, 0]['location'])
