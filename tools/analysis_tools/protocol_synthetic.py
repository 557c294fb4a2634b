"""The synthetic crowd benchmark's verdicts and report sections
(``reproduce_benchmark.py --protocol synthetic``, the default; its
description is in benchmark_protocols.py).

- validity (labelled-only and the oracle alone): the full-label oracle's
  mean test MAE <= 0.6 x labelled-only's, and each method's seed standard
  deviation <= 0.25 x the gap between the two means, at least 3 seeds;
- the P2R paper's claims: (1) P2R-semi's mean test MAE <= 0.8 x
  labelled-only's; (2) P2P-semi over-counts: its predicted / true count
  well above 1 (> 1.2) at the last checkpoint and rising on validation
  from the first evaluation after the burn-in to the last (the ratio at
  the validation-selected checkpoint is reported next to it).
"""
import numpy as np
from benchmark_rules import burn_in_epochs, mean_std, protocol, validity

VALIDITY_RATIO, SPREAD_RATIO, CLAIM1_RATIO, OVERCOUNT = 0.6, 0.25, 0.8, 1.2
VALIDITY_RULE = (
    'The benchmark can answer the question only if labelling every image '
    f"helps a lot: full-label oracle mean test MAE <= {VALIDITY_RATIO} x "
    "labelled-only's, and each method's seed standard deviation <= "
    f'{SPREAD_RATIO} x the gap between them.')


def check_validity(methods):
    return validity(methods, VALIDITY_RATIO, SPREAD_RATIO)


def claims(methods):
    out = {}
    if {'p2r_semi', 'labelled_only'} <= set(methods):
        p2r = mean_std(methods['p2r_semi']['test_mae'])[0]
        lab = mean_std(methods['labelled_only']['test_mae'])[0]
        out['p2r_vs_labelled_only'] = dict(
            ratio=p2r / lab, holds=bool(p2r <= CLAIM1_RATIO * lab),
            seeds=min(len(methods[k]['test_mae'])
                      for k in ('p2r_semi', 'labelled_only')))
    if 'p2p_semi' in methods:
        m = methods['p2p_semi']
        burn = burn_in_epochs(m['config'])
        # Over-counting is what P2P training does to the model, so it is
        # read where training leads: the last checkpoint, and the
        # validation curve once the unlabelled branch has trained.
        after = [[h for h in hist if h['epoch'] > burn]
                 for hist in m['val_history']]
        if not all(after):
            raise ValueError('p2p_semi: no validation after the burn-in '
                             f'({burn} epochs), so no claim 2')
        curves = np.array([[h['count_ratio'] for h in hist]
                           for hist in after])
        first_epoch = after[0][0]['epoch']
        last = mean_std(m['last_count_ratio'])[0]
        rising = bool(curves[:, -1].mean() > curves[:, 0].mean())
        out['p2p_overcounts'] = dict(
            last_count_ratio=last,
            selected_count_ratio=mean_std(m['count_ratio'])[0],
            selected_epochs=list(m['best_epoch']),
            burn_in_epochs=burn, val_first_epoch=first_epoch,
            val_count_ratio_first=float(curves[:, 0].mean()),
            val_count_ratio_last=float(curves[:, -1].mean()),
            holds=bool(last > OVERCOUNT and rising))
    return out


def p2r_ratio_sentence(c):
    return (f"Claim 1, P2R-semi mean MAE / labelled-only mean MAE = "
            f"{c['ratio']:.2f} (target ≤ {CLAIM1_RATIO}): "
            + ('holds.' if c['holds'] else '**does not hold**.'))


def p2p_overcounts_sentence(c):
    epochs = ', '.join(map(str, c['selected_epochs']))
    return (
        f"Claim 2, P2P-semi predicted / true count "
        f"{c['last_count_ratio']:.3f} on test at the last checkpoint "
        f"(over-counting: > {OVERCOUNT}), "
        f"{c['val_count_ratio_first']:.3f} → "
        f"{c['val_count_ratio_last']:.3f} on validation from the first "
        f"evaluation after the burn-in (epoch {c['val_first_epoch']}) "
        'to the last: ' +
        ('holds' if c['holds'] else '**does not hold**') +
        f"; at the validation-selected checkpoints (epochs {epochs}, "
        f"burn-in {c['burn_in_epochs']} epochs) it is "
        f"{c['selected_count_ratio']:.3f}.")


CLAIM_SENTENCES = dict(p2r_vs_labelled_only=p2r_ratio_sentence,
                       p2p_overcounts=p2p_overcounts_sentence)


def describe(methods):
    """The report's ``protocol``: the phases of the P2R-semi config's
    schedule. ``methods``: {key: (label, config)}."""
    return protocol(methods['p2r_semi'][1])


def sections(data):
    """The report's protocol and generator sections."""
    lines = protocol_lines(data['protocol']) if data.get('protocol') else []
    return lines + generator_lines(data.get('cfg_options') or [])


def appendix(data):
    """Nothing after the per-epoch tables."""
    return []


def protocol_lines(p):
    o = p['official']
    return [
        '## Protocol', '',
        f"Every method: the same narrow network and {p['epochs']} epochs of "
        "equally many optimiser steps of 4 labelled crops (the "
        "semi-supervised ones add 4 unlabelled crops), Adam lr 1e-3, "
        f"x{p['lr_gamma']} from epoch {p['lr_decay_epoch']} (the last "
        f"{p['lr_decayed']:.0%} of the steps). Validation every "
        f"{p['val_interval']} epochs on the held-out `val` split selects "
        'the checkpoint; the test split is read once per run at that '
        'checkpoint, and once at the last one.', '',
        f"Unlabelled weight: burn-in {p['burn_in']:.0%} of the steps, ramp "
        f"{p['ramp']:.0%}, plateau at w = 2 {p['plateau']:.0%} (official "
        f"P2R: {o['burn_in']:.0%} / {o['ramp']:.0%} / {o['plateau']:.0%}; "
        'the demo network starts from scratch, not from ImageNet weights, '
        'so its teacher needs a longer burn-in).', '']


def generator_lines(cfg_options=()):
    """What the generator varies per image (from its own constants), and
    which version these runs used."""
    from p2r_mm.datasets.synthetic import scene_layout, scene_style
    used = ('**These runs use the version 1 scenes** (`vary_style=False` '
            'in the options of the validity check below).'
            if any(o.endswith('vary_style=False') for o in cfg_options)
            else '')
    return [
        '## The generator', '',
        f'Generator version {scene_layout.GENERATOR_VERSION} '
        '(`p2r_mm/datasets/synthetic/`). Version 1 drew every image in one '
        'style; 10 labelled images (~900 heads) then covered the whole '
        'appearance space, and unlabelled images had nothing to add. '
        'Version 2 draws a scene style per image (`scene_style.py`, its own '
        'random stream; `SceneParams(vary_style=False)` gives the version 1 '
        'scenes): background family '
        f"({', '.join(scene_style.BACKGROUNDS)}), lighting and white "
        f"balance ({', '.join(scene_style.LIGHTING)}), clothes palette "
        f"({', '.join(scene_style.CLOTHES)}), hair, hats and back views, "
        'head size (x0.55 to x1.6) and perspective strength, camera blur, '
        'sensor noise and JPEG quality, and the number and kinds of '
        'distractors.' + (' ' + used if used else ''), '']
