"""Write per-image predictions to JSON (tools/test.py --out)."""
import json
import os.path as osp
from typing import Dict, List, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.utils import mkdir_or_exist

from p2r_mm.registry import METRICS


@METRICS.register_module()
class DumpCountingResults(BaseMetric):
    """Saves, per image, the path, true and predicted counts, and the
    predicted points (original-image pixels) to ``out_file`` as JSON.

    Returns no metric; it sits beside the real metrics in the evaluator.
    """

    def __init__(self, out_file: str, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        if not out_file.endswith('.json'):
            raise ValueError(f'out_file must end in .json, got {out_file}')
        self.out_file = out_file

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(
                dict(img_path=sample.get('img_path'),
                     gt_count=sample.get('gt_count')
                     if sample.get('has_gt', True) else None,
                     pred_count=int(sample['pred_count']),
                     pred_points=sample['pred_points'].cpu().round(
                         decimals=2).tolist()))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        mkdir_or_exist(osp.dirname(osp.abspath(self.out_file)))
        with open(self.out_file, 'w') as f:
            json.dump(results, f)
        return {}
