import math

import numpy as np
import pytest
import torch

from p2r_mm.evaluation import CountingMetric, LocalizationMetric
from p2r_mm.registry import METRICS


def sample(pred, gt, **meta):
    d = dict(pred_count=pred, gt_count=gt)
    d.update(meta)
    return d


def test_counting_metric_by_hand():
    metric = METRICS.build(dict(type='CountingMetric'))
    metric.process({}, [sample(10, 12), sample(7, 4), sample(3, 0)])
    # errors -2, 3, 3; NAE over gt > 0 only: (2/12 + 3/4) / 2
    out = metric.compute_metrics(metric.results)
    assert out['mae'] == pytest.approx(8 / 3)
    assert out['rmse'] == pytest.approx(math.sqrt((4 + 9 + 9) / 3))
    assert out['nae'] == pytest.approx((2 / 12 + 3 / 4) / 2)
    assert out['nae_images'] == 2
    assert out['count_ratio'] == pytest.approx(20 / 16)


def test_metrics_skip_unannotated_images():
    # e.g. NWPU-Crowd test: nothing to score, predictions are still dumped.
    metric = CountingMetric()
    metric.process({}, [sample(5, 0, has_gt=False)])
    assert metric.compute_metrics(metric.results) == {}
    loc = LocalizationMetric()
    loc.process({}, [dict(has_gt=False, pred_points=torch.zeros(3, 2))])
    assert loc.compute_metrics(loc.results) == {}


def test_localization_metric_by_hand():
    metric = LocalizationMetric(thresholds=(2, 8))
    gt = torch.tensor([[10., 10.], [50., 50.], [90., 20.]])
    pred = torch.tensor([[11., 10.], [55., 50.], [200., 200.]])
    metric.process({}, [dict(gt_points=gt, pred_points=pred)])
    out = metric.compute_metrics(metric.results)
    # @2: 1 TP of 3 preds / 3 heads; @8: 2 TP.
    assert out['precision@2'] == pytest.approx(1 / 3)
    assert out['recall@8'] == pytest.approx(2 / 3)
    assert out['f1@8'] == pytest.approx(2 / 3)


def test_localization_metric_box_thresholds_and_rescaling():
    metric = LocalizationMetric(thresholds=(4, ))
    # Input was downscaled by 2: gt (input pixels) maps back to
    # (2 * (x + .5) - .5); head sizes double too.
    # -> (20, 20), (60, 20) in the original image
    gt_in = torch.tensor([[9.75, 9.75], [29.75, 9.75]])
    sizes_in = torch.tensor([[3., 10.], [3., 4.]])  # -> (6, 20), (6, 8)
    pred = torch.tensor([[24., 20.], [60., 26.]])  # 4 px and 6 px away
    metric.process({}, [
        dict(gt_points=gt_in, pred_points=pred, gt_head_sizes=sizes_in,
             scale_factor=(0.5, 0.5))
    ])
    out = metric.compute_metrics(metric.results)
    # sigma_s = min(w, h)/2 = 3, 3 -> no match; sigma_l = 10.4, 5 -> 1.
    assert out['recall@4'] == pytest.approx(1 / 2)
    assert out['recall@sigma_s'] == 0.0
    assert out['recall@sigma_l'] == pytest.approx(1 / 2)
    assert out['sigma_l_images'] == 1


def _evaluate_on_rank(rank, init_file, samples, indices, outputs):
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=2)
    counting, loc = CountingMetric(), LocalizationMetric(box_thresholds=())
    for i in indices[rank]:  # one image per batch, as tools/test.py
        counting.process({}, [samples[i]])
        loc.process({}, [samples[i]])
    outputs[rank] = (counting.evaluate(len(samples)),
                     loc.evaluate(len(samples)))
    dist.destroy_process_group()


def test_distributed_results_with_unannotated_images(tmp_path):
    """Two ranks (gloo), five images of which image 1 has no annotations.
    MMEngine's DefaultSampler deals [0, 2, 4] and [1, 3, 0] (image 0 again
    as padding); collect_results interleaves the ranks' results and cuts
    the padding by the dataset length, so each rank must leave one result
    per sample, or the padding copy of image 0 is counted as a fifth
    image."""
    import torch.multiprocessing as mp
    from mmengine.dataset import DefaultSampler
    counts = [(10, 12), (0, 0), (7, 4), (3, 3), (20, 10)]
    samples = [dict(pred_count=p, gt_count=g, has_gt=k != 1,
                    pred_points=torch.zeros(p, 2), gt_points=torch.zeros(
                        g, 2)) for k, (p, g) in enumerate(counts)]
    indices = {}
    for rank in range(2):
        sampler = DefaultSampler(samples, shuffle=False)
        sampler.rank, sampler.world_size = rank, 2
        sampler.num_samples = 3
        sampler.total_size = 6
        indices[rank] = list(sampler)
    assert indices == {0: [0, 2, 4], 1: [1, 3, 0]}
    outputs = mp.Manager().dict()
    mp.start_processes(_evaluate_on_rank,
                       args=(str(tmp_path / 'init'), samples, indices,
                             outputs), nprocs=2, join=True,
                       start_method='fork')
    annotated = [c for k, c in enumerate(counts) if k != 1]
    mae = np.mean([abs(p - g) for p, g in annotated])
    for rank in range(2):
        counting, loc = outputs[rank]
        assert counting['mae'] == pytest.approx(mae)  # (2 + 3 + 0 + 10) / 4
        # All points at (0, 0): min(pred, gt) matches per image.
        assert loc['loc/precision@4'] == pytest.approx(
            sum(min(p, g) for p, g in annotated) / sum(
                p for p, _ in annotated))
