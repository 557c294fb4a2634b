"""Statistics, the validity check and the schedule reading shared by the
protocols of tools/analysis_tools/reproduce_benchmark.py.

They read a report's ``methods`` (per method key, lists with one entry per
seed: ``test_mae``, ``count_ratio``, ``pseudo_by_epoch``, ...; see
``reproduce_benchmark.aggregate``) and return plain JSON values, so that a
report keeps the numbers behind each verdict.
"""
import os.path as osp

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MIN_SEEDS = 3  # below this a spread, hence a verdict, means nothing


def mean_std(values):
    """Mean and sample standard deviation (ddof 1; 0 for one value) of the
    values that are not None; NaN, NaN when none is."""
    v = np.asarray([x for x in values if x is not None], float)
    if not len(v):
        return float('nan'), float('nan')
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def fmt(values, digits=2):
    """``mean ± std``; one value alone, since one run has no spread to
    show; ``-`` when a run did not log the metric."""
    if not values or any(v is None for v in values):
        return '-'
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    m, s = mean_std(values)
    return f'{m:.{digits}f} ± {s:.{digits}f}'


def seeds_phrase(methods):
    """``'Seeds 0, 1, 2'`` when every method ran the same seeds, else each
    method's (a reproduction still running): ``'Seeds: labelled-only 0,
    1, 2; P2R-semi 0 (a value without ± is one run)'``. ``methods``:
    {key: record with ``name`` and ``seeds``}."""
    sets = {tuple(m['seeds']) for m in methods.values()}
    if len(sets) == 1:
        return f"Seeds {', '.join(map(str, sorted(next(iter(sets)))))}"
    parts = [f"{m['name']} {', '.join(map(str, sorted(m['seeds'])))}"
             for m in methods.values()]
    single = any(len(m['seeds']) == 1 for m in methods.values())
    return ('Seeds: ' + '; '.join(parts) +
            (' (a value without ± is one run)' if single else ''))


def paired_bootstrap(differences, resamples=10000, seed=0, level=0.95):
    """Percentile bootstrap interval of the mean of paired differences.

    Args:
        differences: one value per seed (method A minus method B on the
            same seed), at least one.
        resamples: how many resamples of the seeds, with replacement.
        seed: of numpy's generator, so a report re-computes the same
            interval.
        level: the interval's coverage (0.95: the 2.5 and 97.5 %
            percentiles of the resampled means).

    Returns:
        ``(low, high)``, floats in the unit of the differences.
    """
    d = np.asarray(differences, float)
    if not len(d):
        raise ValueError('paired_bootstrap: no paired differences')
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(resamples, len(d)))].mean(1)
    low, high = np.percentile(means, [50 * (1 - level), 50 * (1 + level)])
    return float(low), float(high)


def separation(labelled_only, oracle):
    """Supplementary to the verdict (which it does not change): Welch's
    t-test of the two MAE samples, and whether every labelled-only seed
    is worse than every oracle seed."""
    from scipy.stats import ttest_ind
    p = (float(ttest_ind(labelled_only, oracle, equal_var=False).pvalue)
         if min(len(labelled_only), len(oracle)) > 1 else None)
    return dict(welch_p=p, seeds_separated=bool(
        min(labelled_only) > max(oracle)))


def validity(methods, headroom_ratio, spread_ratio=None):
    """Whether the benchmark can tell the methods apart: the oracle's mean
    test MAE <= ``headroom_ratio`` x labelled-only's, with at least
    ``MIN_SEEDS`` seeds each, and (unless ``spread_ratio`` is None) each
    one's seed std <= ``spread_ratio`` x the gap between the two means.
    None without both methods."""
    if not {'labelled_only', 'full_label'} <= set(methods):
        return None
    lab, lab_sd = mean_std(methods['labelled_only']['test_mae'])
    ora, ora_sd = mean_std(methods['full_label']['test_mae'])
    gap = lab - ora
    seeds = min(len(methods[k]['test_mae'])
                for k in ('labelled_only', 'full_label'))
    out = dict(
        seeds=seeds, enough_seeds=seeds >= MIN_SEEDS,
        **separation(methods['labelled_only']['test_mae'],
                     methods['full_label']['test_mae']),
        labelled_only_mae=lab, labelled_only_std=lab_sd, full_label_mae=ora,
        full_label_std=ora_sd, ratio=ora / lab, gap=gap,
        headroom=ora <= headroom_ratio * lab)
    fit = out['enough_seeds'] and out['headroom']
    if spread_ratio is not None:
        out['spread_small'] = max(lab_sd, ora_sd) <= spread_ratio * gap
        fit = fit and out['spread_small']
    out['fit'] = bool(fit)
    return out


def validity_sentence(v):
    """The measured validity and its verdict, for the report and the
    README (a check without ``spread_small`` had no spread rule)."""
    return (f"oracle {v['full_label_mae']:.2f} ± {v['full_label_std']:.2f} "
            f"vs labelled-only {v['labelled_only_mae']:.2f} ± "
            f"{v['labelled_only_std']:.2f} (ratio {v['ratio']:.2f}, gap "
            f"{v['gap']:.2f}): " +
            ('**fit**.' if v['fit'] else '**not fit** (' + ', '.join(
                t for t, ok in (
                    (f"only {v.get('seeds')} seed(s): no verdict yet",
                     v.get('enough_seeds', True)),
                    ('no headroom', v['headroom']),
                    ('seed spread too large', v.get('spread_small', True)))
                if not ok) + ').') + separation_sentence(v))


def separation_sentence(v):
    """The supplementary evidence, when the report has it."""
    if v.get('welch_p') is None:
        return ''
    return (f" Welch's t-test of the two MAE samples: p = "
            f"{v['welch_p']:.2g}; " +
            ('every labelled-only seed is worse than every oracle seed.'
             if v['seeds_separated'] else
             'the two seed ranges overlap.'))


def semi_schedule(config):
    """A semi-supervised config and its ``UnsupWeightHook`` settings."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    hook = next(h for h in cfg.custom_hooks if h.type == 'UnsupWeightHook')
    return cfg, hook


def burn_in_epochs(config):
    """The burn-in epochs of a semi-supervised config: the unlabelled
    branch trains after them."""
    return semi_schedule(config)[1].burn_in_epochs


def protocol(config='configs/p2r/synthetic_5pct.py'):
    """The schedule's phases as fractions of the training steps, computed
    from the semi-supervised config (next to the official run's)."""
    cfg, hook = semi_schedule(config)
    epochs = cfg.train_cfg.max_epochs
    burn, step, top = hook.burn_in_epochs, hook.step, hook.max_weight
    weights = [0.0 if e < burn else min(top, step * (e - burn))
               for e in range(epochs)]
    plateau = sum(w == top for w in weights)
    (lr, ) = cfg.param_scheduler
    return dict(
        epochs=epochs, burn_in=burn / epochs,
        ramp=(epochs - burn - plateau) / epochs, plateau=plateau / epochs,
        lr_decay_epoch=lr.milestones[0], lr_gamma=lr.gamma,
        lr_decayed=(epochs - lr.milestones[0]) / epochs,
        val_interval=cfg.train_cfg.val_interval,
        # Official P2R: 50 burn-in epochs, w reaches 2 at epoch 250, 1500.
        official=dict(burn_in=50 / 1500, ramp=200 / 1500,
                      plateau=1250 / 1500))
