"""Users' own point-annotated images: a folder of images plus either one
JSON file or one text file per image."""
import os.path as osp

from p2r_mm.registry import DATASETS
from .annotation_io import load_json, read_number_rows
from .base_crowd_dataset import BaseCrowdDataset
from .load_problems import first_few

IMG_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


@DATASETS.register_module()
class CustomCrowdDataset(BaseCrowdDataset):
    """Images in ``data_root/<data_prefix['img_path']>/`` annotated by

    - ``ann_file``: one JSON object mapping image file names to lists of
      ``[x, y]`` (pixels), e.g. ``{"a.jpg": [[10.5, 20], [3, 4]], "b.jpg":
      []}``; or
    - ``data_prefix['ann_path']``: a folder of text files, one per image
      with the same stem (``a.jpg`` -> ``a.txt``), one ``x y`` per line
      (comma or whitespace separated, further columns ignored).

    An image without annotation is an error unless ``allow_unannotated``,
    which loads it with ``has_gt=False`` (natural unlabelled data: with no
    ``labeled_split``/``labeled_ratio``, ``subset='unlabeled'`` selects
    exactly these). For semi-supervised protocols on fully annotated data
    use ``labeled_ratio=0.05, seed=0`` (deterministic).

    Args:
        data_root (str): the dataset folder.
        ann_file (str): the JSON file, relative to ``data_root``; '' for
            per-image text files.
        data_prefix (dict): ``img_path`` (default ``'images'``) and, without
            ``ann_file``, ``ann_path``: folders relative to ``data_root``.
        img_suffixes (tuple[str]): image file endings (case-insensitive).
        allow_unannotated (bool): see above.
        **kwargs: see :class:`BaseCrowdDataset`.
    """

    METAINFO = dict(classes=('person', ), dataset_name='custom')
    LAYOUT = ('{root}/\n'
              '  images/a.jpg, b.jpg, ...\n'
              '  annotations.json  ({{"a.jpg": [[x, y], ...], ...}})\n'
              '  or labels/a.txt, b.txt, ...  (lines: x y)')

    def __init__(self,
                 data_root: str = '',
                 ann_file: str = '',
                 data_prefix: dict = dict(img_path='images'),
                 img_suffixes=IMG_SUFFIXES,
                 allow_unannotated: bool = False,
                 **kwargs):
        if bool(ann_file) == bool(data_prefix.get('ann_path')):
            raise ValueError(
                f"{type(self).__name__}: give exactly one of ann_file (JSON) "
                "and data_prefix['ann_path'] (per-image text files)")
        self.img_suffixes = tuple(s.lower() for s in img_suffixes)
        self._entries = {}
        super().__init__(data_root=data_root, ann_file=ann_file,
                         data_prefix={
                             'img_path': 'images', **data_prefix},
                         allow_unannotated=allow_unannotated, **kwargs)

    def list_samples(self):
        images = self.find_images(self.data_prefix['img_path'],
                                  self.img_suffixes)
        if not self.ann_file:
            ann_dir = self.data_prefix['ann_path']
            return [(p, osp.join(ann_dir, osp.splitext(osp.basename(p))[0] +
                                 '.txt')) for p in images]
        if not osp.isfile(self.ann_file):
            self.raise_not_found(f'no annotation file {self.ann_file}')
        entries = load_json(self.ann_file)
        if not isinstance(entries, dict):
            raise ValueError(f'{self.ann_file}: expected an object mapping '
                             'image file names to [[x, y], ...]')
        names = {osp.basename(p) for p in images}
        unknown = sorted(k for k in entries if k not in names)
        if unknown:
            raise ValueError(
                f'{self.ann_file} annotates {len(unknown)} images that are '
                f"not in {self.data_prefix['img_path']}: {first_few(unknown)}")
        # The reference names the file and the entry, for messages.
        refs = [f'{self.ann_file}[{osp.basename(p)!r}]' for p in images]
        self._entries = {ref: entries[osp.basename(p)]
                         for ref, p in zip(refs, images)
                         if osp.basename(p) in entries}
        return list(zip(images, refs))

    def load_data_list(self):
        try:
            return super().load_data_list()
        finally:
            # The JSON content is only needed while loading; dataloader
            # workers would otherwise each hold a copy.
            self._entries = {}

    def annotation_exists(self, ann_ref):
        if self.ann_file:
            return ann_ref in self._entries
        return osp.isfile(ann_ref)

    def parse_annotation(self, ann_ref):
        if self.ann_file:
            return dict(points=self._entries[ann_ref])
        return dict(points=read_number_rows(ann_ref, min_cols=2))
