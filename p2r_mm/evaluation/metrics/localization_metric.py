"""Localisation quality: one-to-one matching of predicted and true heads."""
import logging
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from p2r_mm.models.utils import count_matches
from p2r_mm.registry import METRICS
from p2r_mm.structures import input_to_original
from .counting_metric import UNANNOTATED


@METRICS.register_module()
class LocalizationMetric(BaseMetric):
    """Precision, recall and F1 of predicted points at distance thresholds.

    A prediction is a true positive when it is matched one-to-one to a true
    head within the threshold (maximum matching). Thresholds:

    - ``thresholds``: fixed radii in original-image pixels (default 4, 8);
    - ``box_thresholds``: where heads have boxes (JHU-Crowd++, NWPU-Crowd),
      'sigma_s' = min(w, h) / 2 and 'sigma_l' = sqrt(w^2 + h^2) / 2 per head
      (NWPU-Crowd's localisation protocol). Images without boxes are left
      out of these (``<name>_images`` says how many were used).

    Counts are summed over the dataset before dividing. Ground truth is
    mapped back to the original image with the sample's ``scale_factor``,
    as predictions are.
    """

    default_prefix = 'loc'

    def __init__(self,
                 thresholds: Sequence[float] = (4.0, 8.0),
                 box_thresholds: Sequence[str] = ('sigma_s', 'sigma_l'),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        unknown = set(box_thresholds) - {'sigma_s', 'sigma_l'}
        if unknown:
            raise ValueError(f'unknown box thresholds {sorted(unknown)}')
        self.thresholds = tuple(float(t) for t in thresholds)
        self.box_thresholds = tuple(box_thresholds)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if not sample.get('has_gt', True):
                self.results.append(UNANNOTATED)  # one result per sample
                continue
            gt = sample['gt_points'].float().cpu()
            scale = sample.get('scale_factor', (1.0, 1.0))
            gt = input_to_original(
                gt, scale, flip=sample.get('flip', False),
                input_width=sample.get('img_shape', (0, 0))[1]).numpy()
            pred = sample['pred_points'].float().cpu().numpy()
            result = dict(n_pred=len(pred), n_gt=len(gt))
            for t in self.thresholds:
                result[f'tp@{t:g}'] = count_matches(pred, gt,
                                                    np.full(len(gt), t))
            sizes = sample.get('gt_head_sizes')
            if sizes is not None and self.box_thresholds:
                wh = sizes.float().cpu().numpy() / np.asarray(scale)
                radii = dict(sigma_s=wh.min(axis=1) / 2,
                             sigma_l=np.hypot(wh[:, 0], wh[:, 1]) / 2)
                for name in self.box_thresholds:
                    result[f'tp@{name}'] = count_matches(
                        pred, gt, radii[name])
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        results = [r for r in results if r != UNANNOTATED]
        if not results:
            # e.g. NWPU-Crowd's test split: predictions only (tools/test.py
            # --out), scored elsewhere.
            print_log('LocalizationMetric: no annotated images, nothing to '
                      'evaluate',
                      logger='current', level=logging.WARNING)
            return {}
        metrics = {}
        names = [f'{t:g}' for t in self.thresholds] + list(
            self.box_thresholds)
        for name in names:
            used = [r for r in results if f'tp@{name}' in r]
            if not used:
                continue
            tp = sum(r[f'tp@{name}'] for r in used)
            n_pred = sum(r['n_pred'] for r in used)
            n_gt = sum(r['n_gt'] for r in used)
            precision = tp / n_pred if n_pred else 0.0
            recall = tp / n_gt if n_gt else 0.0
            f1 = (2 * precision * recall / (precision + recall)
                  if precision + recall else 0.0)
            metrics.update({
                f'precision@{name}': precision,
                f'recall@{name}': recall,
                f'f1@{name}': f1,
            })
            if name in self.box_thresholds:
                metrics[f'{name}_images'] = len(used)
        return metrics
