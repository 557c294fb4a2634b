"""NWPU-Crowd's benchmark submission files from predictions
(tools/test.py --format-only)."""
import logging
import os.path as osp
from typing import Dict, List, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.utils import mkdir_or_exist

from p2r_mm.registry import METRICS

# The test split of NWPU-Crowd (Wang et al., TPAMI 2020): images
# 3610.jpg to 5109.jpg, whose annotations are withheld.
TEST_IDS = range(3610, 5110)


@METRICS.register_module()
class DumpNWPUSubmission(BaseMetric):
    """Writes the two files the NWPU-Crowd benchmark server scores, from
    the predictions alone (no ground truth), one line per image in the
    order the test list gives (the dataset's order):

    - ``{outfile_prefix}_counting.txt``: ``id count``, e.g. ``3610
      231.0000`` (the count task);
    - ``{outfile_prefix}_localization.txt``: ``id N x1 y1 ... xN yN``,
      integer pixel coordinates of the predicted heads in the original
      image, rounded half up and kept on it (the localisation task).

    These are the line formats the benchmark's sample code writes (the
    NWPU-Crowd-Sample-Code ``test.py`` for counting, its localisation
    counterpart's ``test.py``: ``x`` before ``y``, pixels of the original
    image), in the order of the dataset's ``test.txt``.

    The id is the image file's stem (``3610.jpg`` -> 3610). A file that
    does not list exactly the 1500 test ids is still written, with a
    warning (the server would refuse it). Returns no metric.

    Args:
        outfile_prefix (str): path prefix of the two files.
    """

    default_prefix = None

    def __init__(self, outfile_prefix: str,
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        self.outfile_prefix = outfile_prefix

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            path = sample.get('img_path', '?')
            stem = osp.splitext(osp.basename(str(path)))[0]
            if not stem.isdigit():
                raise ValueError(
                    f'{path}: not an NWPU-Crowd image (expected a numeric '
                    'name such as 3610.jpg); --format-only writes '
                    "NWPU-Crowd's submission files only")
            points = sample['pred_points'].float().cpu().clone()
            ori = sample.get('ori_shape')
            if ori is not None and len(points):
                # A cell that the image only partly covers has its centre
                # up to 1.5 px past the last pixel: keep it on the image.
                points[:, 0] = points[:, 0].clamp(0, ori[1] - 1)
                points[:, 1] = points[:, 1].clamp(0, ori[0] - 1)
            # Halves up: torch.round takes them to even, a bias where
            # coordinates end in .5, as cell centres of unresized images do.
            points = torch.floor(points + 0.5).long().tolist()
            self.results.append(
                (int(stem), int(sample['pred_count']), points))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        ids = [r[0] for r in results]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})[:5]
            raise ValueError(f'DumpNWPUSubmission: images predicted twice: '
                             f'{twice}')
        counting = f'{self.outfile_prefix}_counting.txt'
        localization = f'{self.outfile_prefix}_localization.txt'
        mkdir_or_exist(osp.dirname(osp.abspath(counting)))
        with open(counting, 'w') as f:
            f.writelines(f'{i} {count:.4f}\n' for i, count, _ in results)
        with open(localization, 'w') as f:
            for i, count, points in results:
                coords = ' '.join(f'{x} {y}' for x, y in points)
                f.write(f'{i} {count}' + (f' {coords}' if coords else '') +
                        '\n')
        if sorted(ids) != list(TEST_IDS):
            span = f'ids {min(ids)}-{max(ids)}' if ids else 'no images'
            print_log(
                f'DumpNWPUSubmission: the NWPU-Crowd server expects the '
                f'{len(TEST_IDS)} test images (ids {TEST_IDS[0]}-'
                f'{TEST_IDS[-1]}); these files hold {len(ids)} ({span})',
                logger='current', level=logging.WARNING)
        print_log(f'NWPU-Crowd submission files: {counting}, {localization}',
                  logger='current')
        return {}
