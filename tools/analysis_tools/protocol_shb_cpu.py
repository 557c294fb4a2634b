"""The ShanghaiTech B CPU benchmark's verdicts and report sections
(``reproduce_benchmark.py --protocol shb_cpu``; its description is in
benchmark_protocols.py). The rules were fixed before any run:

- validity (headroom): the full-label oracle's mean test MAE <= 0.6 x
  labelled-only's, at least 3 seeds each; no spread rule.
- claim 1: P2R-semi's mean test MAE <= 0.85 x labelled-only's, and the
  95 % bootstrap interval of the mean paired difference (P2R-semi minus
  labelled-only test MAE on the same seed, validation-selected
  checkpoints) lies entirely below zero.
- claim 2 (P2P over-activates on unlabelled images): P2P-semi's test
  predicted / true count at the last checkpoint > 1.3, and its teacher's
  pseudo-points per hidden head (the logged ``pseudo_count_ratio``) rise
  over training (seed mean of the last logged epoch > of the first epoch
  the unlabelled branch logged), while P2R-semi's stay within 0.7-1.3
  (every epoch's seed mean, from the first epoch its branch logged).
- a claim has a verdict only once the methods it compares have the seeds
  fixed for them (5); until then the report gives its numbers so far and
  says that it is not decided.
"""
import os.path as osp
import shlex

import numpy as np
from benchmark_rules import (REPO, mean_std, paired_bootstrap, protocol,
                             semi_schedule, validity)

VALIDITY_RATIO, CLAIM1_RATIO, OVERCOUNT = 0.6, 0.85, 1.3
# The seeds fixed for labelled-only, P2R-semi and P2P-semi: a claim on
# fewer (a reproduction still running) gets no verdict.
CLAIM_SEEDS = 5
P2R_BAND = (0.7, 1.3)
# The interval of claim 1: a percentile bootstrap of the mean over the
# paired seeds, with numpy's generator seeded, so that re-reading the same
# runs gives the same interval.
RESAMPLES, BOOTSTRAP_SEED, LEVEL = 10000, 0, 0.95
KEPT_SEED = 0  # whose validation-selected checkpoint the report points at
# The checkpoint every method starts from (the configs'
# ``init_cfg.checkpoint``, configs/_base_/models/narrow_cpu_pretrained_semi.py)
# and the command that makes it.
PRETRAINING = ('work_dirs/synthetic_pretrain/epoch_16.pth', [
    'tools/train.py', 'configs/supervised/synthetic_full.py', '--work-dir',
    'work_dirs/synthetic_pretrain', '--cfg-options', 'randomness.seed=0'])
VALIDITY_RULE = (
    'The benchmark can answer the question only if labelling every image '
    f"helps a lot: full-label oracle mean test MAE <= {VALIDITY_RATIO} x "
    "labelled-only's (at least 3 seeds each; no rule on the seed spread).")


def check_validity(methods):
    return validity(methods, VALIDITY_RATIO)


def claims(methods):
    out = {}
    if {'p2r_semi', 'labelled_only'} <= set(methods):
        out['p2r_vs_labelled_only_paired'] = paired_claim(
            methods['p2r_semi'], methods['labelled_only'])
    if {'p2r_semi', 'p2p_semi'} <= set(methods):
        out['p2p_overactivates'] = overactivation_claim(
            methods['p2p_semi'], methods['p2r_semi'])
    return out


def paired_claim(p2r, labelled_only):
    """Claim 1 from the two methods' aggregated runs; the paired
    differences use the seeds both have."""
    p2r_mae = mean_std(p2r['test_mae'])[0]
    lab_mae = mean_std(labelled_only['test_mae'])[0]
    lab_by_seed = dict(zip(labelled_only['seeds'], labelled_only['test_mae']))
    pairs = [(s, mae - lab_by_seed[s])
             for s, mae in zip(p2r['seeds'], p2r['test_mae'])
             if s in lab_by_seed]
    diffs = [d for _, d in pairs]
    interval = (list(paired_bootstrap(diffs, RESAMPLES, BOOTSTRAP_SEED,
                                      LEVEL)) if diffs else None)
    ratio_holds = bool(p2r_mae <= CLAIM1_RATIO * lab_mae)
    below_zero = bool(interval is not None and interval[1] < 0)
    enough = len(pairs) >= CLAIM_SEEDS
    return dict(
        p2r_semi_mae=p2r_mae, labelled_only_mae=lab_mae,
        ratio=p2r_mae / lab_mae, target_ratio=CLAIM1_RATIO,
        ratio_holds=ratio_holds, paired_seeds=[s for s, _ in pairs],
        differences=diffs,
        mean_difference=float(np.mean(diffs)) if diffs else None,
        interval=interval, interval_level=LEVEL, resamples=RESAMPLES,
        bootstrap_seed=BOOTSTRAP_SEED, interval_below_zero=below_zero,
        seeds=len(pairs), seeds_needed=CLAIM_SEEDS, enough_seeds=enough,
        holds=ratio_holds and below_zero and enough)


def pseudo_ratio_curve(m, key):
    """``[[epoch, seed mean of pseudo_count_ratio], ...]`` over the epochs
    in which any seed's unlabelled branch logged it."""
    rows = {}
    for per_seed in m['pseudo_by_epoch']:
        for e in per_seed:
            if 'pseudo_count_ratio' in e:
                rows.setdefault(e['epoch'], []).append(
                    e['pseudo_count_ratio'])
    if not rows:
        raise ValueError(f'{key}: no pseudo_count_ratio logged (the '
                         'config needs semi_train_cfg.pseudo_quality), so '
                         'no claim 2')
    return [[e, float(np.mean(v))] for e, v in sorted(rows.items())]


def overactivation_claim(p2p, p2r):
    """Claim 2, with the numbers of each of its three parts."""
    last = mean_std(p2p['last_count_ratio'])[0]
    p2p_curve = pseudo_ratio_curve(p2p, 'p2p_semi')
    p2r_curve = pseudo_ratio_curve(p2r, 'p2r_semi')
    p2r_values = [v for _, v in p2r_curve]
    low, high = P2R_BAND
    overcounts = bool(last > OVERCOUNT)
    rising = bool(p2p_curve[-1][1] > p2p_curve[0][1])
    in_band = bool(all(low <= v <= high for v in p2r_values))
    seeds = min(len(p2p['seeds']), len(p2r['seeds']))
    enough = seeds >= CLAIM_SEEDS
    return dict(
        p2p_last_count_ratio=last, overcount_threshold=OVERCOUNT,
        overcounts=overcounts, p2p_pseudo_count_ratio=p2p_curve,
        p2p_first_epoch=p2p_curve[0][0], p2p_first=p2p_curve[0][1],
        p2p_last_epoch=p2p_curve[-1][0], p2p_last=p2p_curve[-1][1],
        p2p_rising=rising, p2r_pseudo_count_ratio=p2r_curve,
        p2r_band=list(P2R_BAND), p2r_min=min(p2r_values),
        p2r_max=max(p2r_values), p2r_in_band=in_band, seeds=seeds,
        seeds_needed=CLAIM_SEEDS, enough_seeds=enough,
        holds=overcounts and rising and in_band and enough)


def met(ok):
    return 'met' if ok else '**not met**'


def verdict(c):
    """The end of a claim's sentence: its verdict, or why there is none
    yet (a claim measured before the seeds fixed for it existed has no
    ``enough_seeds`` and had its verdict)."""
    if not c.get('enough_seeds', True):
        return (f"only {c['seeds']} of the {c['seeds_needed']} seeds fixed "
                'for it so far: **not decided yet**.')
    return 'holds.' if c['holds'] else '**does not hold**.'


def paired_sentence(c):
    if c['interval'] is None:
        pairs = 'no seed in both methods, so no paired interval (**not met**)'
    else:
        low, high = c['interval']
        pairs = (
            f"P2R-semi minus labelled-only test MAE paired over seeds "
            f"{', '.join(map(str, c['paired_seeds']))}: mean "
            f"{c['mean_difference']:.2f}, {c['interval_level']:.0%} "
            f"bootstrap interval [{low:.2f}, {high:.2f}] (target: entirely "
            f"below 0: {met(c['interval_below_zero'])})")
    return (f"Claim 1, P2R-semi mean MAE / labelled-only mean MAE = "
            f"{c['ratio']:.2f} (target ≤ {c['target_ratio']}: "
            f"{met(c['ratio_holds'])}); {pairs}: " + verdict(c))


def overactivation_sentence(c):
    low, high = c['p2r_band']
    return (
        'Claim 2, P2P over-activates on unlabelled images: P2P-semi '
        f"predicted / true count {c['p2p_last_count_ratio']:.3f} on test "
        f"at the last checkpoint (target > {c['overcount_threshold']}: "
        f"{met(c['overcounts'])}); its teacher's pseudo-points / hidden "
        f"heads {c['p2p_first']:.2f} at epoch {c['p2p_first_epoch']} → "
        f"{c['p2p_last']:.2f} at epoch {c['p2p_last_epoch']} (target: "
        f"rising: {met(c['p2p_rising'])}), P2R-semi's between "
        f"{c['p2r_min']:.2f} and {c['p2r_max']:.2f} from epoch "
        f"{c['p2r_pseudo_count_ratio'][0][0]} on (target: every epoch "
        f"within {low}–{high}: {met(c['p2r_in_band'])}): " + verdict(c))


CLAIM_SENTENCES = dict(p2r_vs_labelled_only_paired=paired_sentence,
                       p2p_overactivates=overactivation_sentence)


def describe(methods):
    """The protocol as the configs set it: :func:`benchmark_rules.protocol`
    of the P2R-semi config, and the data, crops, steps and starting
    checkpoint of the labelled-only one (every method's configs share
    them). ``methods``: {key: (label, config)}."""
    from mmengine.config import Config

    from p2r_mm.datasets.splits import read_split_file, resolve_split_file
    semi_config = methods['p2r_semi'][1]
    out = protocol(semi_config)
    cfg = Config.fromfile(osp.join(REPO, methods['labelled_only'][1]))
    semi, hook = semi_schedule(semi_config)
    loader = cfg.train_dataloader
    repeat, data = loader.dataset, loader.dataset.dataset
    steps = {t.type: t for t in data.pipeline}
    holdout = resolve_split_file(cfg.val_dataloader.dataset.holdout)
    labelled = len(read_split_file(resolve_split_file(data.labeled_split)))
    ratio = semi.train_dataloader.sampler.source_ratio
    out.update(
        data_root=data.data_root, holdout=osp.relpath(holdout, REPO),
        holdout_images=len(read_split_file(holdout)),
        labelled_split=data.labeled_split, labelled_images=labelled,
        long_side=steps['ResizeLongSide'].max_size,
        crop=list(steps['RandomScaleCrop'].crop_size),
        labelled_crops=loader.batch_size,
        unlabelled_crops=semi.train_dataloader.batch_size * ratio[1] //
        sum(ratio),
        # the labelled-only epoch: its list repeated, in batches
        steps_per_epoch=repeat.times * labelled // loader.batch_size,
        lr=cfg.optim_wrapper.optimizer.lr, max_weight=hook.max_weight,
        init_checkpoint=(cfg.model.get('init_cfg') or {}).get('checkpoint'),
        pretraining_command=shlex.join(['python', *PRETRAINING[1]]))
    return out


def sections(data):
    """The report's data and protocol section."""
    p = data['protocol']
    o = p['official']
    crop = '×'.join(map(str, p['crop']))
    return [
        '## Data and protocol', '',
        'ShanghaiTech Part B (Zhang et al., *Single-Image Crowd Counting via '
        'Multi-Column Convolutional Neural Network*, CVPR 2016), read from '
        f"`{p['data_root']}`; it is not in the repository "
        '(docs/user_guides/datasets.md: the archive comes from the authors). '
        f"Training uses the training images that `{p['holdout']}` does not "
        f"hold out; validation (every {p['val_interval']} epochs; it selects "
        'the checkpoint, lowest 4 * MAE + RMSE) runs on the '
        f"{p['holdout_images']} held-out training images of that list, "
        'which no method trains on, and the test split is read once per run '
        'at the selected checkpoint and once at the last one.', '',
        'Every method (from the configs): the narrow network started from '
        f"its synthetic pretraining (`{p['init_checkpoint']}`, made by "
        f"`{p['pretraining_command']}`; the runner makes it when it is "
        'missing), images resized to a long side of '
        f"{p['long_side']} px (a quarter of the pixels, for the CPU "
        f"budget), {crop} crops, {p['epochs']} epochs of "
        f"{p['steps_per_epoch']} optimiser "
        f"steps of {p['labelled_crops']} labelled crops (the "
        f"semi-supervised ones add {p['unlabelled_crops']} unlabelled "
        f"crops), Adam lr {p['lr']:g}, x{p['lr_gamma']} from epoch "
        f"{p['lr_decay_epoch']} (the last {p['lr_decayed']:.0%} of the "
        f"steps). Labelled images: the {p['labelled_images']} of "
        f"`{p['labelled_split']}` (the oracle: every training image that is "
        'not held out). A seed fixes the initialisation and the data order, '
        'and the methods run the same seeds, so the comparisons are paired '
        'by seed. The regime (labelled fraction, pretraining, schedule) '
        'was chosen on validation numbers, never on test ones: '
        '[results_shb_cpu_regimes.md](results_shb_cpu_regimes.md).', '',
        f"Unlabelled weight: burn-in {p['burn_in']:.0%} of the steps, ramp "
        f"{p['ramp']:.0%}, plateau at w = {p['max_weight']:g} "
        f"{p['plateau']:.0%} (official P2R: {o['burn_in']:.0%} / "
        f"{o['ramp']:.0%} / {o['plateau']:.0%}).", '']


def appendix(data):
    """The paired seeds of claim 1 and where the kept checkpoints are
    (no blank line at the end: the report adds what follows)."""
    parts = [paired_table(data), kept_checkpoints(data['methods'])]
    lines = []
    for part in filter(None, parts):
        lines += ([''] if lines else []) + part
    return lines


def paired_table(data):
    """Claim 1's paired differences, seed by seed, and how its interval
    is computed."""
    c = data['claims'].get('p2r_vs_labelled_only_paired')
    if not c or not c['paired_seeds']:
        return []
    methods = data['methods']
    lab = dict(zip(methods['labelled_only']['seeds'],
                   methods['labelled_only']['test_mae']))
    p2r = dict(zip(methods['p2r_semi']['seeds'],
                   methods['p2r_semi']['test_mae']))
    low, high = c['interval']
    return [
        '## P2R-semi against labelled-only, seed by seed', '',
        '| seed | labelled-only test MAE | P2R-semi test MAE | P2R-semi '
        'minus labelled-only |', '|---|---|---|---|',
        *[f'| {s} | {lab[s]:.2f} | {p2r[s]:.2f} | {d:+.2f} |'
          for s, d in zip(c['paired_seeds'], c['differences'])],
        '', f"Mean difference {c['mean_difference']:+.2f}, "
        f"{c['interval_level']:.0%} interval [{low:.2f}, {high:.2f}]: the "
        f"{len(c['differences'])} paired differences resampled with "
        f"replacement {c['resamples']} times (numpy "
        f"`default_rng({c['bootstrap_seed']})`), the interval between the "
        f"{50 * (1 - c['interval_level']):g} and "
        f"{50 * (1 + c['interval_level']):g} percentiles of the resampled "
        'means. A percentile bootstrap over this few seeds tends to be too '
        'narrow: read it with the differences above.']


def kept_checkpoints(methods):
    """Seed ``KEPT_SEED``'s validation-selected checkpoint per method, and
    the command that re-creates it."""
    rows = []
    for m in methods.values():
        if KEPT_SEED not in m['seeds']:
            continue
        i = m['seeds'].index(KEPT_SEED)
        ckpt = (m.get('best_checkpoint') or [None] * len(m['seeds']))[i]
        cmd = (m.get('train_command') or [None] * len(m['seeds']))[i]
        rows.append(f"| {m['name']} | "
                    f"{f'`{ckpt}`' if ckpt else '-'} | "
                    f"{f'`{cmd}`' if cmd else '-'} |")
    if not rows:
        return []
    return [
        '## Checkpoints', '',
        'No checkpoint is in the repository. The validation-selected '
        f'checkpoint of seed {KEPT_SEED} of each method stays in the work '
        'dir of the run that trained it, and this command (run from the '
        'repository) trains it again:', '',
        '| method | checkpoint | command |', '|---|---|---|', *rows]
