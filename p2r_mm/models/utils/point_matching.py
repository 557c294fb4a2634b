"""One-to-one matching of predicted and true points within a radius, and
what it says of a teacher's pseudo-points: the maths shared by
``LocalizationMetric`` and the pseudo-label statistics of
``SemiPointCounter`` (so that models need nothing of evaluation)."""
from typing import Dict, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching
from scipy.spatial import cKDTree
from torch import Tensor


def count_matches(pred: np.ndarray, gt: np.ndarray,
                  radius: np.ndarray) -> int:
    """Largest number of one-to-one (prediction, head) pairs with
    ``distance <= radius[head]``.

    Args:
        pred (np.ndarray): (M, 2) predicted points.
        gt (np.ndarray): (N, 2) true points.
        radius (np.ndarray): (N,) matching radius of each true point.

    A maximum bipartite matching on the sparse graph of admissible pairs
    (Hopcroft-Karp), so dense crowds of thousands of heads stay cheap.
    """
    if len(pred) == 0 or len(gt) == 0:
        return 0
    pairs = cKDTree(gt).query_ball_point(pred, r=float(radius.max()))
    rows, cols = [], []
    for p, heads in enumerate(pairs):
        if not heads:
            continue
        heads = np.asarray(heads)
        d = np.linalg.norm(gt[heads] - pred[p], axis=1)
        heads = heads[d <= radius[heads]]
        rows.extend([p] * len(heads))
        cols.extend(heads.tolist())
    if not rows:
        return 0
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)),
                       shape=(len(pred), len(gt)))
    match = maximum_bipartite_matching(graph, perm_type='column')
    return int((match >= 0).sum())


def pseudo_label_quality(points: Sequence[Tensor],
                         confidences: Sequence[Tensor],
                         hidden_points: Sequence[Tensor],
                         match_distance: float = 8.0) -> Dict[str, float]:
    """Precision, recall, F1 and count ratio of pseudo-points, summed over
    a batch, for all of them and for the confident ones.

    A pseudo-point is correct when it is matched one-to-one to a hidden
    head within ``match_distance`` pixels (maximum matching, as in
    ``LocalizationMetric``).

    Args:
        points (Sequence[Tensor]): per image, (N_i, 2) pseudo-points
            (x, y) in input pixels.
        confidences (Sequence[Tensor]): per image, (N_i,) confidence in
            {0, 1}; the confident ones are those > 0.
        hidden_points (Sequence[Tensor]): per image, (M_i, 2) annotated
            heads (x, y) in the same pixels.
        match_distance (float): pixels.

    Returns:
        dict[str, float]: ``pseudo_precision``, ``pseudo_recall``,
        ``pseudo_f1``, ``pseudo_count_ratio`` (pseudo-points / hidden
        heads) and the same with the prefix ``confident_`` instead of
        ``pseudo_``. A precision with no pseudo-point is 1, a recall with
        no head 1 (nothing was missed); the count ratio divides by at
        least one head.
    """
    totals = dict(pseudo=[0, 0], confident=[0, 0])  # [points, matched]
    n_true = 0
    for pts, conf, gt in zip(points, confidences, hidden_points):
        pts = pts.detach().cpu().double().numpy().reshape(-1, 2)
        keep = conf.detach().cpu().numpy().reshape(-1) > 0
        gt = gt.detach().cpu().double().numpy().reshape(-1, 2)
        radius = np.full(len(gt), float(match_distance))
        n_true += len(gt)
        for name, sel in (('pseudo', slice(None)), ('confident', keep)):
            chosen = pts[sel]
            totals[name][0] += len(chosen)
            totals[name][1] += count_matches(chosen, gt, radius)
    out = {}
    for name, (n_pred, matched) in totals.items():
        precision = matched / n_pred if n_pred else 1.0
        recall = matched / n_true if n_true else 1.0
        f1 = (2 * precision * recall / (precision + recall)
              if precision + recall > 0 else 0.0)
        out.update({f'{name}_precision': precision,
                    f'{name}_recall': recall, f'{name}_f1': f1,
                    f'{name}_count_ratio': n_pred / max(n_true, 1)})
    return out
