"""Counting errors over a test set: MAE, RMSE, NAE."""
import logging
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from p2r_mm.registry import METRICS


# The result of an image without annotations. Every sample must leave one
# result: in distributed testing MMEngine's collect_results interleaves
# the ranks' result lists and cuts the sampler's padding by the dataset
# length, which only works when each rank has one result per sample
# (uneven lists count a padding copy as an image). Not None: that is
# what collect_results drops while interleaving.
UNANNOTATED = 'unannotated'


@METRICS.register_module()
class CountingMetric(BaseMetric):
    """Mean absolute error, root mean squared error and normalised absolute
    error of the per-image count.

    Crowd-counting papers report the root mean squared error under the
    name "MSE"; it is named ``rmse`` here because that is what it is.
    NAE = mean(|pred - gt| / gt) over the images with gt > 0 (an image
    without people has no relative error; NWPU-Crowd's convention), and
    ``nae_images`` says how many images it averages. ``count_ratio`` =
    sum(pred) / sum(gt) shows systematic over- (> 1) or under-counting.

    ``mae4_rmse`` = 4 * MAE + RMSE is the P2R paper's checkpoint-selection
    score (the official ``main.py`` keeps the checkpoint with the lowest
    one); the paper configs select their best checkpoint by it
    (``save_best='mae4_rmse', rule='less'``).
    """

    default_prefix = None

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if not sample.get('has_gt', True):
                # Unannotated images (e.g. NWPU test) count nothing, but
                # keep their place: see UNANNOTATED.
                self.results.append(UNANNOTATED)
                continue
            self.results.append(
                (float(sample['pred_count']), float(sample['gt_count'])))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        results = [r for r in results if r != UNANNOTATED]
        if not results:
            # e.g. NWPU-Crowd's test split: predictions only (tools/test.py
            # --out), scored elsewhere.
            print_log('CountingMetric: no annotated images, nothing to '
                      'evaluate',
                      logger='current', level=logging.WARNING)
            return {}
        pred, gt = np.asarray(results, dtype=np.float64).T
        err = pred - gt
        positive = gt > 0
        mae = float(np.abs(err).mean())
        rmse = float(np.sqrt((err**2).mean()))
        metrics = dict(
            mae=mae,
            rmse=rmse,
            mae4_rmse=4 * mae + rmse,
            nae=float((np.abs(err[positive]) / gt[positive]).mean())
            if positive.any() else float('nan'),
            nae_images=int(positive.sum()),
            count_ratio=float(pred.sum() / gt.sum())
            if gt.sum() > 0 else float('nan'))
        return metrics
