"""Localisation of the unrefined cell centres, next to the refined points."""
from typing import Sequence

from p2r_mm.evaluation.metrics import LocalizationMetric
from p2r_mm.registry import METRICS


@METRICS.register_module()
class CellLocalizationMetric(LocalizationMetric):
    """:class:`LocalizationMetric` of ``pred_cell_points`` (the cell
    centres an :class:`OffsetPointHead` predicts before its offsets, i.e.
    the core head's points) instead of ``pred_points``, logged under
    ``loc_cells/``: the same test pass then measures F1 with offsets
    (``loc/``) and without (``loc_cells/``) on the same checkpoint.
    Arguments are :class:`LocalizationMetric`'s.
    """

    default_prefix = 'loc_cells'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        swapped = []
        for sample in data_samples:
            if 'pred_cell_points' not in sample:
                raise KeyError(
                    'CellLocalizationMetric needs pred_cell_points (filled '
                    'by OffsetPointHead); this model does not predict them')
            swapped.append({**sample,
                            'pred_points': sample['pred_cell_points']})
        super().process(data_batch, swapped)
