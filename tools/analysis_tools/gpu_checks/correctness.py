"""Correctness of the device paths against CPU references.

Every check returns ``dict(name, passed, max_diff, tol, note)``. On the
CPU the "device" side is the other implementation (window search vs
KD-tree, batched vs single PSAM backward passes, bfloat16 vs fp32), so the
same checks run in the test suite. All fp32 device work runs without TF32
(see :func:`~.common.exact_fp32`).

Ties are not failures: two points equidistant from a cell (within
``TIE_TOL`` pixels) may own it either way, and two cells of a region of
equal cost (within ``COST_TOL``) may be its positive either way.
"""
import copy
import math

import numpy as np
import torch

import p2r_mm.models.utils.nearest_point as nearest_point
from p2r_mm.models.losses import P2PLoss, P2RLoss
from p2r_mm.models.utils import cell_centers
from .common import amp_dtype, exact_fp32, make_optim_wrapper

TIE_TOL = 1e-3  # pixels: the search's own slack
COST_TOL = 1e-4
LOSS_RTOL = 1e-5  # fp32: loss value and gradients, relative to the largest
PSAM_RTOL = dict(cuda=1e-3, cpu=1e-5)  # relative to the largest map value
# Pseudo-point cells shared by --amp and fp32 (intersection over union)
# for an untrained network (see check_semi_amp): fp16 keeps 11 bits of
# mantissa, bfloat16 8.
PSEUDO_SHARED = dict(cuda=0.95, cpu=0.8)


def result(name, passed, max_diff, tol, note=''):
    return dict(name=name, passed=bool(passed), max_diff=float(max_diff),
                tol=float(tol), note=note)


def run_all(device, counter_cfg, semi_cfg, batch, quick):
    """Every check; ``counter_cfg`` is the supervised counter's config,
    ``semi_cfg`` the semi-supervised config (model and optimiser) and
    ``batch`` one batch of its train loader."""
    with exact_fp32():
        checks = [check_nearest_point(device, 60 if quick else 120)]
        checks += check_losses(device, quick)
        checks.append(check_psam(device, counter_cfg, 64 if quick else 256,
                                 8 if quick else 32))
    checks.append(check_semi_amp(device, semi_cfg, batch))
    return checks


# ------------------------------------------------------------ nearest point
def nearest_point_cases(num_cases, seed=0):
    """Random search problems: batches of 1-4 maps, strides 1/2/4/8,
    empty images, more points than cells, points outside the image,
    points on a half-pixel grid and duplicates (exact ties), and small
    ``max_pairs`` (several chunks)."""
    rng = np.random.default_rng(seed)
    kinds = ('random', 'empty', 'dense', 'outside', 'grid')
    for k in range(num_cases):
        kind = kinds[k % len(kinds)]
        stride = (1, 2, 4, 8)[(k // len(kinds)) % 4]
        B = int(rng.integers(1, 5))
        h, w = (int(v) for v in rng.integers(1, 41, 2))
        max_dist = float(rng.uniform(0.5, 6.0) * stride)
        H, W = h * stride, w * stride
        counts = rng.integers(0, 40, B)
        if kind == 'empty':
            counts[0] = 0
            counts[rng.random(B) < 0.5] = 0
        elif kind == 'dense':
            counts = h * w + rng.integers(1, 2 * h * w + 2, B)
        pts = []
        for n in counts:
            if kind == 'outside':
                m = 2 * max_dist
                xy = rng.uniform([-m, -m], [W + m, H + m], (n, 2))
            elif kind == 'grid':
                xy = rng.integers(0, [2 * W, 2 * H], (n, 2)) * 0.5 - 0.5
                if n > 1:
                    xy[:n // 4] = xy[n // 4:2 * (n // 4)]  # duplicates
            else:
                xy = rng.uniform([-0.5, -0.5], [W - 0.5, H - 0.5], (n, 2))
            pts.append(torch.from_numpy(xy).float().reshape(-1, 2))
        # Chunks of the window search: one, about three, or one point each
        # (kept for small cases: a Python loop over points).
        window = (2 * math.ceil(max_dist / stride) + 3)**2
        total = int(counts.sum())
        max_pairs = (1 << 22, max(1, total * window // 3),
                     1 if total <= 60 else 1 << 22)[k % 3]
        yield dict(kind=kind, points=torch.cat(pts),
                   point_batch=torch.repeat_interleave(
                       torch.arange(B), torch.from_numpy(counts)),
                   num_images=B, h=h, w=w, stride=stride, max_dist=max_dist,
                   max_pairs=max_pairs)


def compare_owners(case, owner, dist, ref_owner):
    """(unexplained cells, differing cells, largest |dist - float64
    distance to the reference owner| where both own the cell)."""
    B, h, w, s = case['num_images'], case['h'], case['w'], case['stride']
    points, batch = case['points'].double(), case['point_batch']
    max_dist = case['max_dist']
    centers = cell_centers(h, w, s, dtype=torch.float64).repeat(B, 1)
    cell_image = torch.arange(B).repeat_interleave(h * w)

    def dist64(o):
        d = torch.full((len(o), ), math.inf, dtype=torch.float64)
        has = o >= 0
        if has.any():
            d[has] = (centers[has] - points[o[has]]).norm(dim=1)
        return d

    if len(points) == 0:
        return int((owner >= 0).sum()), int((owner >= 0).sum()), 0.0
    d_own, d_ref = dist64(owner), dist64(ref_owner)
    has, ref_has = owner >= 0, ref_owner >= 0
    wrong_image = has & (batch[owner.clamp(min=0)] != cell_image)
    tie = has & ref_has & ((d_own - d_ref).abs() <= TIE_TOL)
    # At the bound: one search keeps a point at ~max_dist, the other not.
    at_bound = ((has & ~ref_has & (d_own >= max_dist - TIE_TOL)) |
                (ref_has & ~has & (d_ref >= max_dist - TIE_TOL)))
    differ = owner != ref_owner
    # Both backends give a tied cell to the lowest point index, decided on
    # the same float64 squared distances: a tie owned differently is a
    # fault too (only the bound's float slack may differ).
    bad = (differ & ~at_bound) | wrong_image | (has & (
        d_own >= max_dist + TIE_TOL))
    both = has & ref_has
    max_diff = float((dist[both].double() - d_ref[both]).abs().max()) \
        if both.any() else 0.0
    return int(bad.sum()), int(differ.sum()), max_diff


def check_nearest_point(device, num_cases=60):
    """The window search on ``device`` against SciPy's KD-tree on the
    CPU."""
    unexplained = differing = 0
    max_diff, kinds = 0.0, set()
    for case in nearest_point_cases(num_cases):
        args = (case['num_images'], case['h'], case['w'], case['stride'],
                case['max_dist'])
        # Looked up in the module at call time, so a test can plant a bug.
        owner, dist = nearest_point.nearest_point_within(
            case['points'].to(device), case['point_batch'].to(device), *args,
            backend='window', max_pairs=case['max_pairs'])
        ref, _ = nearest_point.nearest_point_within(
            case['points'], case['point_batch'], *args, backend='kdtree')
        bad, diff, md = compare_owners(case, owner.cpu(), dist.cpu(), ref)
        unexplained += bad
        differing += diff
        max_diff = max(max_diff, md)
        kinds.add(case['kind'])
    return result(
        f'nearest point: window ({device.type}) vs KD-tree (cpu), '
        f'{num_cases} cases', unexplained == 0 and max_diff <= TIE_TOL,
        max_diff, TIE_TOL,
        f'max |distance - KD-tree distance| in px; {unexplained} cells '
        f'owned differently (ties included: both give a tie to the lowest '
        f'point index), {differing - unexplained} at the bound; kinds: '
        f'{", ".join(sorted(kinds))}')


# ------------------------------------------------------------ losses
# name: (batch, H, W, points of each image, stride, point/pixel weights)
LOSS_CASES = {
    'crops': (4, 128, 128, (60, 45, 80, 0), 4, False),
    'semi crops': (4, 128, 128, (70, 50, 0, 30), 4, True),
    'stride 8, points outside': (2, 160, 96, (40, 25), 8, False),
    '1024x768': (1, 768, 1024, (500, ), 4, False),
}
QUICK_LOSS_CASES = ('crops', 'semi crops', 'stride 8, points outside')


def tie_free(xy, H, W, stride, max_radius, tol=1e-2):
    """Drop the points that make some cell (nearly) equidistant from two
    points, or put a point at (nearly) ``max_radius`` of a cell: owner
    ties are checked by :func:`check_nearest_point`, the losses are
    compared on unambiguous regions."""
    from scipy.spatial import cKDTree
    centers = cell_centers(H // stride, W // stride, stride,
                           dtype=torch.float64).numpy()
    for _ in range(50):
        if len(xy) == 0:
            break
        d, i = cKDTree(xy).query(centers, k=2)
        near_tie = (d[:, 1] - d[:, 0] < tol) & (d[:, 0] < max_radius + tol)
        at_bound = np.abs(d[:, 0] - max_radius) < tol
        drop = np.union1d(i[near_tie, 1], i[at_bound, 0])
        drop = drop[drop < len(xy)]
        if len(drop) == 0:
            break
        xy = np.delete(xy, drop, axis=0)
    return xy


def loss_inputs(name, seed=0):
    B, H, W, counts, stride, weighted = LOSS_CASES[name]
    rng = np.random.default_rng(seed)
    logits = torch.from_numpy(rng.normal(0, 2, (B, 1, H // stride,
                                                W // stride))).float()
    margin = 24.0 if 'outside' in name else 4.0
    points, point_weights = [], []
    for n in counts:
        xy = rng.uniform([-margin, -margin], [W + margin, H + margin],
                         (n, 2))
        xy = tie_free(xy, H, W, stride, P2RLoss().assigner.max_radius)
        points.append(torch.from_numpy(xy).float().reshape(-1, 2))
        point_weights.append(torch.from_numpy(
            (rng.random(len(xy)) > 0.3).astype(np.float32)))
    pixel_weights = None
    if weighted:
        pixel_weights = torch.ones_like(logits)
        for b in range(B):  # one cutout per image
            i, j = rng.integers(0, H // stride // 2, 2)
            pixel_weights[b, 0, i:i + 8, j:j + 8] = 0
    return logits, points, stride, (point_weights if weighted else
                                    None), pixel_weights


def loss_and_grad(loss_fn, logits, points, stride, pw, pix, device):
    x = logits.detach().clone().to(device).requires_grad_(True)
    loss = loss_fn(x, [p.to(device) for p in points], stride,
                   None if pw is None else [w.to(device) for w in pw],
                   None if pix is None else pix.to(device))
    loss.backward()
    return loss.detach().double().cpu(), x.grad.double().cpu()


def targets(loss_fn, logits, points, stride):
    """The loss's assignment (``BasePointLoss.get_targets``) and the
    batch's points concatenated."""
    flat = torch.cat([p.reshape(-1, 2) for p in points]).to(
        logits.device).float()
    return loss_fn.get_targets(logits, points, stride), flat


def explained_by_ties(loss_fn, logits, points, stride, t_dev, t_ref):
    """Whether two assignments differ only where choices cost the same
    (float64, CPU): P2R picks per region a cell of lowest cost, P2P a
    matching of lowest total cost per image."""
    B, _, h, w = logits.shape
    flat = torch.cat([p.reshape(-1, 2) for p in points]).double()
    centers = cell_centers(h, w, stride, dtype=torch.float64).repeat(B, 1)
    logit = logits.reshape(-1).double()
    dev_owner = t_dev.owner.cpu()
    assigner = loss_fn.assigner
    if isinstance(loss_fn, P2RLoss):
        owner = t_ref.owner
        if not torch.equal(dev_owner, owner):
            return False
        differ = (t_dev.target.cpu() != t_ref.target).nonzero()[:, 0]
        owned = (owner >= 0).nonzero()[:, 0]
        if (owner[differ] < 0).any():
            return False
        d = (centers[owned] - flat[owner[owned]]).norm(dim=1)
        radius = torch.zeros(len(flat), dtype=torch.float64).scatter_reduce(
            0, owner[owned], d, reduce='amax').clamp(assigner.min_radius,
                                                     assigner.max_radius)
        cost = torch.full((len(owner), ), math.inf, dtype=torch.float64)
        cost[owned] = (assigner.cost_point * d / radius[owner[owned]] -
                       assigner.cost_class * logit[owned])
        region_min = torch.full((len(flat), ), math.inf,
                                dtype=torch.float64).scatter_reduce(
                                    0, owner[owned], cost[owned],
                                    reduce='amin')
        return bool(((cost[differ] - region_min[owner[differ]]) <=
                     COST_TOL).all())
    prob = logit.sigmoid()

    def total(o):
        has = (o >= 0).nonzero()[:, 0]
        c = (assigner.cost_point * (centers[has] - flat[o[has]]).norm(dim=1)
             - assigner.cost_class * prob[has])
        return torch.zeros(B, dtype=torch.float64).index_add(
            0, has // (h * w), c)

    return bool(((total(dev_owner) - total(t_ref.owner)).abs() <=
                 COST_TOL).all())


def compare_loss(name, make_loss, device, ref_loss):
    logits, points, stride, pw, pix = loss_inputs(name)
    dev_fn, ref_fn = make_loss(), ref_loss()
    value, grad = loss_and_grad(dev_fn, logits, points, stride, pw, pix,
                                device)
    ref_value, ref_grad = loss_and_grad(ref_fn, logits, points, stride, pw,
                                        pix, torch.device('cpu'))

    def rel_diff(v, g, rv, rg):
        return max(float((v - rv).abs() / rv.abs().clamp(min=1e-12)),
                   float((g - rg).abs().max() / rg.abs().max().clamp(
                       min=1e-12)))

    diff = rel_diff(value, grad, ref_value, ref_grad)
    note = f'loss {float(ref_value):.6g}'
    if diff > LOSS_RTOL:
        # Maybe a tie broken the other way: if so, the CPU loss with the
        # device's assignment must match.
        t_dev, _ = targets(dev_fn, logits.to(device),
                           [p.to(device) for p in points], stride)
        t_ref, _ = targets(ref_fn, logits, points, stride)
        if explained_by_ties(ref_fn, logits, points, stride, t_dev, t_ref):
            # The device's match (no point or pixel weights yet: those
            # the CPU assigner applies on top, as for its own match).
            fixed = copy.copy(ref_fn)
            fixed.assigner = copy.copy(ref_fn.assigner)
            moved = t_dev._replace(
                empty=None, **{k: getattr(t_dev, k).cpu() for k in
                               ('target', 'owner')},
                weight=None if t_dev.weight is None else t_dev.weight.cpu())
            fixed.assigner.match = lambda *args, **kwargs: moved
            ref_value, ref_grad = loss_and_grad(
                fixed, logits, points, stride, pw, pix, torch.device('cpu'))
            diff = rel_diff(value, grad, ref_value, ref_grad)
            note += '; a tie broken the other way, compared with it'
    return diff, note


def check_losses(device, quick):
    cpu = device.type == 'cpu'
    names = QUICK_LOSS_CASES if quick else tuple(LOSS_CASES)
    pairs = [
        # P2R on CPU tensors would use the KD-tree: ask for the window.
        ('P2RLoss', lambda: P2RLoss(nn_backend='window' if cpu else 'auto'),
         lambda: P2RLoss(nn_backend='kdtree'),
         'window' if cpu else 'auto (window)'),
        ('P2PLoss', P2PLoss, P2PLoss, 'same implementation'),
    ]
    checks = []
    for loss_name, make, ref, what in pairs:
        worst, notes = 0.0, []
        for name in names:
            diff, note = compare_loss(name, make, device, ref)
            worst = max(worst, diff)
            notes.append(f'{name}: {note}')
        side = f'{device.type} [{what}] vs cpu' + (
            ' (same device: determinism only)' if cpu and
            loss_name == 'P2PLoss' else '')
        checks.append(result(
            f'{loss_name} value + gradient, {side}, {len(names)} cases',
            worst <= LOSS_RTOL, worst, LOSS_RTOL,
            'relative to the largest |value| / |gradient|; ' +
            '; '.join(notes)))
    return checks


# ------------------------------------------------------------ PSAM
def scene_input(size, seed=0):
    """A generated crowd scene, (1, 3, size, size), ImageNet-normalised."""
    from p2r_mm.datasets.synthetic import SceneParams, generate_scene
    from p2r_mm.models.data_preprocessors.counting_data_preprocessor import \
        IMAGENET_MEAN, IMAGENET_STD
    scene = generate_scene(seed, 0, 'gpu_check', SceneParams(
        image_size=(size, size), count_range=(size // 8, size // 2)))
    img = torch.from_numpy(scene.image).permute(2, 0, 1).float()  # RGB
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return ((img - mean) / std)[None]


def check_psam(device, counter_cfg, size, k):
    from p2r_mm.visualization import compute_psam
    from .common import build_model
    model = build_model(counter_cfg, torch.device('cpu')).eval()
    x = scene_input(size)
    ref = compute_psam(model, x, top_k=k, chunk_size=16)
    # The same query cells on both sides (top-k could differ by a tie).
    if device.type == 'cpu':
        other = compute_psam(model, x, cells=ref.cells, chunk_size=1)
        side = 'cpu, 1 query per backward vs 16 batched'
    else:
        other = compute_psam(copy.deepcopy(model).to(device), x.to(device),
                             cells=ref.cells, chunk_size=16)
        side = f'{device.type} vs cpu'
    scale = float(ref.maps.abs().max())
    diff = float((other.maps.cpu() - ref.maps).abs().max()) / max(scale,
                                                                  1e-12)
    logit_diff = float((other.logits.cpu() - ref.logits).abs().max())
    tol = PSAM_RTOL[device.type]
    return result(
        f'PSAM maps, {side}, {k} cells of a {size}x{size} scene',
        diff <= tol and scale > 0 and math.isfinite(scale), diff, tol,
        f'relative to the largest map value ({scale:.3g}); query logits '
        f'differ by {logit_diff:.2e}')


# ------------------------------------------------------------ AMP
def pseudo_cells(points, confidences, stride, map_size):
    """{(image, i, j): (x, y, confidence)} of a batch's pseudo-points."""
    from p2r_mm.models.utils import points_to_cells
    out = {}
    for b, (p, c) in enumerate(zip(points, confidences)):
        cells = points_to_cells(p, stride, map_size).tolist()
        for (i, j), xy, conf in zip(cells, p.tolist(), c.tolist()):
            out[(b, i, j)] = (xy[0], xy[1], conf)
    return out


def semi_step(base, semi_cfg, batch, precision, device):
    """One training step of a copy of ``base``: its logged values, what
    the unlabelled loss received (pseudo-points, confidences) and whether
    the updated parameters are finite."""
    model = copy.deepcopy(base).to(device).train()
    wrapper = make_optim_wrapper(model, semi_cfg.optim_wrapper, precision,
                                 device)
    received = []

    def tap(module, args):
        # (logits, points, stride, confidences, cutout): the supervised
        # loss has no confidences, the unlabelled one has.
        if len(args) == 5 and args[3] is not None:
            received.append((args[0].shape[-2:], [p.cpu() for p in args[1]],
                             [c.float().cpu() for c in args[3]]))

    hook = model.unsup_loss_fn.register_forward_pre_hook(tap)
    try:
        log_vars = {k: float(v.detach()) for k, v in model.train_step(
            copy.deepcopy(batch), wrapper).items()}
    finally:
        hook.remove()
    finite = all(bool(torch.isfinite(p).all()) for p in model.parameters())
    return log_vars, received[0], finite


def check_semi_amp(device, semi_cfg, batch):
    """One SemiPointCounter training step in fp32 and under autocast (the
    ``--amp`` optimiser wrapper; fp16 on CUDA, bfloat16 on the CPU) from
    the same weights and batch, with the unlabelled branch on: the
    autocast losses and updated parameters are finite, the pseudo-points
    are float32, mostly the same cells as in fp32 (intersection over
    union >= ``PSEUDO_SHARED``), and where both have a cell, the same
    point exactly.

    The tolerance is loose because the network is untrained: at random
    initialisation a BN network in train mode amplifies rounding from
    layer to layer (Yang et al., "A Mean Field Theory of Batch
    Normalization", ICLR 2019), and the threshold sits in the middle of
    its logits; a trained network's pseudo-points are far more stable.
    """
    from .common import build_model
    base = build_model(semi_cfg.model, torch.device('cpu'))
    base.unsup_weight, base.unsup_started = 1.0, True
    stride = base.student.stride
    runs = {p: semi_step(base, semi_cfg, batch, p, device)
            for p in ('fp32', 'amp')}
    (fp32_vars, (size, fp32_pts, fp32_conf), _), (amp_vars, (
        _, amp_pts, amp_conf), amp_finite) = runs['fp32'], runs['amp']
    a = pseudo_cells(fp32_pts, fp32_conf, stride, size)
    b = pseudo_cells(amp_pts, amp_conf, stride, size)
    shared = a.keys() & b.keys()
    iou = len(shared) / max(len(a.keys() | b.keys()), 1)
    coord_diff = max((max(abs(a[k][0] - b[k][0]), abs(a[k][1] - b[k][1]))
                      for k in shared), default=0.0)
    float32 = all(p.dtype == torch.float32 for p in amp_pts)
    losses_finite = all(math.isfinite(v) for v in amp_vars.values())
    loss_diff = abs(amp_vars['loss'] - fp32_vars['loss']) / max(
        abs(fp32_vars['loss']), 1e-12)
    min_iou = PSEUDO_SHARED[device.type]
    dtype = str(amp_dtype(device)).replace('torch.', '')
    passed = (losses_finite and amp_finite and float32 and len(shared) > 0
              and iou >= min_iou and coord_diff == 0)
    return result(
        f'semi-supervised step under autocast ({dtype}) vs fp32', passed,
        1 - iou, 1 - min_iou,
        f'1 - IoU of the pseudo-point cells ({len(a)} fp32, {len(b)} '
        f'autocast, {len(shared)} shared); on shared cells the points '
        f'differ by {coord_diff:g} px (must be 0), float32: {float32}; '
        f'losses finite: {losses_finite}, parameters finite: {amp_finite};'
        f' total loss {fp32_vars["loss"]:.5g} (fp32) vs '
        f'{amp_vars["loss"]:.5g} (relative difference {loss_diff:.1e})')
