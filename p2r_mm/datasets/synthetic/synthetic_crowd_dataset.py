"""The procedural crowd benchmark as a dataset: generated on first use,
then read back through the custom-data loader like any user's data."""
from typing import Optional, Sequence, Union

from p2r_mm.registry import DATASETS
from ..custom_crowd import CustomCrowdDataset
from .scene_layout import SceneParams
from .writing import ensure_split

DEFAULT_NUM_IMAGES = dict(train=200, val=50, test=50)


@DATASETS.register_module()
class SyntheticCrowdDataset(CustomCrowdDataset):
    """Procedural crowd scenes (:mod:`.scene_layout`), one split of
    ``data_root``, in the custom-data layout::

        data_root/{split}/images/000000.jpg, ...
        data_root/{split}/annotations.json
        data_root/{split}/meta.json

    If the split is missing, or its ``meta.json`` records another
    generator version or other parameters, it is generated first
    (atomically; in distributed runs by rank 0 while the others wait).

    Args:
        data_root (str): the folder holding the splits.
        split (str): ``'train'``, ``'val'`` (held out: selects
            checkpoints) or ``'test'`` (read once, at the selected
            checkpoint); each has its own images, drawn from independent
            random streams for the same ``generator_seed``.
        num_images (int, optional): images in the split; default 200 for
            train, 50 for val and 50 for test.
        image_size (int | tuple[int, int]): (min, max) of each image side,
            pixels, or one size for square images.
        generator_seed (int): seed of the images. ``seed`` keeps its
            :class:`BaseCrowdDataset` meaning (the ``labeled_ratio`` /
            ``holdout`` draws), so the labelled subset can be redrawn on
            the same images.
        scene (dict, optional): further :class:`SceneParams` fields
            (``count_range``, ``radius_top``, ...).
        workers (int): processes generating the images.
        **kwargs: see :class:`CustomCrowdDataset` and
            :class:`BaseCrowdDataset` (``labeled_ratio``, ``subset``,
            ``holdout``, ``seed``, ``pipeline``, ...); ``ann_file`` and
            ``data_prefix`` are fixed by the layout.
    """

    METAINFO = dict(classes=('person', ), dataset_name='synthetic_crowd')
    GENERATES_DATA = True
    SPLITS = ('train', 'val', 'test')
    LAYOUT = ('{root}/\n'
              '  {split}/images/000000.jpg, 000001.jpg, ...\n'
              '  {split}/annotations.json  ({{"000000.jpg": [[x, y], ...], '
              '...}})\n'
              '  {split}/meta.json')
    SOURCE = ('SyntheticCrowdDataset generates the split there when it is '
              'missing; p2r_mm.datasets.synthetic.ensure_split does so '
              'explicitly.')

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 num_images: Optional[int] = None,
                 image_size: Union[int, Sequence[int]] = (256, 512),
                 generator_seed: int = 0,
                 scene: Optional[dict] = None,
                 workers: int = 1,
                 **kwargs):
        name = type(self).__name__
        self.set_split(split)
        fixed = sorted({'ann_file', 'data_prefix'} & set(kwargs))
        if fixed:
            raise ValueError(f'{name}: {", ".join(fixed)} are fixed by the '
                             'generated layout; set data_root and split')
        if not data_root:
            raise ValueError(f'{name}: data_root is required')
        num_images = DEFAULT_NUM_IMAGES[split] if num_images is None \
            else int(num_images)
        if isinstance(generator_seed, bool) or not isinstance(
                generator_seed, int) or generator_seed < 0:
            raise ValueError(f'{name}: generator_seed must be an int >= 0, '
                             f'got {generator_seed!r}')
        if num_images < 1:
            raise ValueError(f'{name}: num_images must be >= 1, got '
                             f'{num_images}')
        self.scene_params = SceneParams(image_size=image_size,
                                        **(scene or {}))
        ensure_split(data_root, split, num_images, generator_seed,
                     self.scene_params, workers=workers)
        super().__init__(data_root=data_root,
                         ann_file=f'{split}/annotations.json',
                         data_prefix=dict(img_path=f'{split}/images'),
                         **kwargs)
