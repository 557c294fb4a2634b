"""Procedural crowd scenes: p2r_mm's embedded benchmark.

Real crowd datasets cannot be shipped, so the project trains and compares
its methods on these. A scene has what makes semi-supervised counting
meaningful: perspective (heads grow from the top of the image to the
bottom), clustered crowds of widely varying size, heads that differ in
size, hair, skin, hats and view (face or back of the head), occlusion by
people in front, textured backgrounds, and head-sized distractors that a
model must learn not to count.

Every image depends only on ``(seed, split, index)`` (see
:func:`generate_scene`), so a data set can be generated in parallel, in any
order, or resumed. Drawing primitives are in
:mod:`.drawing`; writing data sets to disk in :mod:`.writing`.
"""
import zlib
from dataclasses import asdict, dataclass
from typing import Optional, Tuple

import numpy as np
from scipy.spatial import cKDTree

from . import drawing as draw
from .scene_style import SceneStyle, draw_style

#: Bump whenever a change alters the images or points generated for some
#: (seed, split, index): data sets on disk record it and are regenerated.
GENERATOR_VERSION = 2


@dataclass(frozen=True)
class SceneParams:
    """What varies between scenes, as ranges sampled per image.

    Attributes:
        image_size: (min, max) of each side, pixels (drawn independently).
        count_range: (min, max) target number of heads, sampled
            log-uniformly; dense clusters may hold fewer.
        radius_top: range of the head radius at the top row, pixels.
        radius_bottom: range of the head radius at the bottom row.
        distractor_ratio: range of distractors per head.
        min_distractors: distractors in every image, however few heads.
        min_gap: head centres are at least ``min_gap * r + 1`` pixels apart
            (r: the larger radius), so another head never covers a centre.
        vary_style: draw a :class:`~.scene_style.SceneStyle` per image
            (background family, lighting, palette, head size and
            perspective, camera, distractor mix); False gives the scenes
            of generator version 1, all in one style.
    """
    image_size: Tuple[int, int] = (256, 512)
    count_range: Tuple[int, int] = (10, 400)
    radius_top: Tuple[float, float] = (2.5, 4.0)
    radius_bottom: Tuple[float, float] = (7.0, 12.0)
    distractor_ratio: Tuple[float, float] = (0.08, 0.25)
    min_distractors: int = 4
    min_gap: float = 1.2
    vary_style: bool = True

    def __post_init__(self):
        # Configs and meta.json give lists; an int image size is square.
        size = self.image_size
        if isinstance(size, (int, np.integer)):
            size = (size, size)
        for name in ('count_range', 'radius_top', 'radius_bottom',
                     'distractor_ratio'):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, 'image_size', tuple(int(s) for s in size))
        ranges = dict(image_size=16, count_range=1, radius_top=1,
                      radius_bottom=1, distractor_ratio=0)
        for name, least in ranges.items():
            lo_hi = getattr(self, name)
            if len(lo_hi) != 2 or not least <= lo_hi[0] <= lo_hi[1]:
                raise ValueError(f'SceneParams: {name} must be (min, max) '
                                 f'with {least} <= min <= max, got {lo_hi}')
        if self.min_gap < 1 or self.min_distractors < 0:
            raise ValueError('SceneParams: min_gap must be >= 1 and '
                             'min_distractors >= 0')

    def to_dict(self) -> dict:
        """JSON-ready: tuples as lists."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in asdict(self).items()}


@dataclass
class SyntheticScene:
    """One generated image and what is in it.

    Attributes:
        image: (H, W, 3) uint8, RGB.
        points: (N, 2) float32 head centres (x, y), pixels, on the pixel
            grid (``0 <= x <= W-1``, ``0 <= y <= H-1``), two decimals.
        radii: (N,) float32 head radius (half-height), pixels.
        distractors: (M, 2) float32 distractor centres (x, y).
        distractor_radii: (M,) float32 their radius, pixels.
        distractor_kinds: (M,) int64 index into
            :data:`~p2r_mm.datasets.synthetic.drawing.DISTRACTOR_KINDS`.
        head_map: (H, W) int64, the head k seen at each pixel (before the
            camera blur), -1 where no head is the front-most object.
    """
    image: np.ndarray
    points: np.ndarray
    radii: np.ndarray
    distractors: np.ndarray
    distractor_radii: np.ndarray
    distractor_kinds: np.ndarray
    head_map: np.ndarray


def scene_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of one image: independent streams per split and
    index (crc32, unlike ``hash``, is the same in every process)."""
    return np.random.default_rng([int(seed), zlib.crc32(split.encode()),
                                  int(index)])


def generate_scene(seed: int, index: int, split: str = 'train',
                   params: SceneParams = SceneParams()) -> SyntheticScene:
    """Image ``index`` of ``split`` of the data set generated with
    ``seed``; a pure function of its arguments."""
    rng = scene_rng(seed, split, index)
    # The style has its own stream, so the scenes without it stay those
    # of generator version 1.
    style = draw_style(scene_rng(seed, split + ':style', index), params,
                       len(draw.DISTRACTOR_KINDS)) \
        if params.vary_style else None
    lo, hi = params.image_size
    height, width = (int(s) for s in rng.integers(lo, hi + 1, 2))
    r_top, r_bottom = (rng.uniform(*params.radius_top),
                       rng.uniform(*params.radius_bottom))
    if style is not None:
        r_bottom *= style.size_scale
        r_top = min(r_bottom, r_top * style.size_scale * style.perspective)

    def radius_at(y):  # perspective: linear in the row
        return r_top + (r_bottom - r_top) * y / (height - 1)

    target = int(round(np.exp(rng.uniform(*np.log(params.count_range)))))
    density = _crowd_density(rng, width, height)
    xy = _sample(rng, density, 2 * target + 20, width, height)
    r = radius_at(xy[:, 1]) * rng.uniform(0.88, 1.12, len(xy))
    heads = _separated(xy, r, params.min_gap, limit=target)
    xy, r = xy[heads], r[heads]

    ratio = rng.uniform(*params.distractor_ratio)
    if style is not None:
        ratio = style.distractor_ratio
    n_dis = max(params.min_distractors, int(round(ratio * len(xy))))
    # Half among the crowd (where they are hard), half anywhere.
    dxy = np.concatenate([_sample(rng, density, 2 * n_dis, width, height),
                          _sample(rng, None, 2 * n_dis, width, height)])
    dxy = dxy[rng.permutation(len(dxy))]
    dr = radius_at(dxy[:, 1]) * rng.uniform(0.75, 1.15, len(dxy))
    # Heads come first, so they are all kept and distractors make room.
    both = _separated(np.concatenate([xy, dxy]), np.concatenate([r, dr]),
                      params.min_gap)
    keep = both[both >= len(xy)][:n_dis] - len(xy)
    dxy, dr = dxy[keep], dr[keep]
    if style is None:
        kind = rng.integers(0, len(draw.DISTRACTOR_KINDS), len(dxy))
    else:
        kind = rng.choice(len(draw.DISTRACTOR_KINDS), len(dxy),
                          p=style.distractor_mix)
    image, head_map = _render(rng, height, width, xy, r, dxy, dr, kind,
                              style)
    return SyntheticScene(image, xy.astype(np.float32),
                          r.astype(np.float32), dxy.astype(np.float32),
                          dr.astype(np.float32), kind, head_map)


# ------------------------------------------------------------ layout
def _crowd_density(rng, width, height) -> dict:
    """A mixture of 1-4 Gaussian clusters (wider than tall, as groups
    standing on a floor look) plus a uniform share of sparse people."""
    k = int(rng.integers(1, 5))
    return dict(
        weights=rng.dirichlet(np.ones(k)),
        centres=rng.uniform(0.1, 0.9, (k, 2)) * [width, height],
        sigmas=np.stack([rng.uniform(0.05, 0.3, k) * width,
                         rng.uniform(0.04, 0.15, k) * height], axis=1),
        uniform=rng.uniform(0.05, 0.35))


def _sample(rng, density, n, width, height) -> np.ndarray:
    """(m <= n, 2) float64 points on the pixel grid, two decimals (what
    the annotation file stores, so drawing and labels agree exactly);
    uniform when ``density`` is None."""
    xy = rng.uniform(0, 1, (n, 2)) * [width - 1, height - 1]
    if density is not None:
        which = rng.choice(len(density['weights']), n,
                           p=density['weights'])
        clustered = rng.random(n) >= density['uniform']
        gauss = (density['centres'][which] +
                 rng.standard_normal((n, 2)) * density['sigmas'][which])
        xy = np.where(clustered[:, None], gauss, xy)
    inside = ((xy >= 0) & (xy <= [width - 1, height - 1])).all(axis=1)
    return np.round(xy[inside], 2)


def _separated(xy, r, gap, limit=None) -> np.ndarray:
    """Indices (sorted) of the points the greedy pass in index order keeps
    when a point conflicts with every earlier kept point closer than
    ``gap * max(r_i, r_j) + 1``; the first ``limit`` of them.

    Computed in parallel rounds (Luby): a live point without a live
    earlier neighbour is kept, and its neighbours die; the result is the
    sequential greedy one, but each round is a vectorised edge pass.
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0, np.int64)
    pairs = cKDTree(xy).query_pairs(gap * float(r.max()) + 1,
                                    output_type='ndarray')
    i, j = pairs[:, 0], pairs[:, 1]
    close = (np.linalg.norm(xy[i] - xy[j], axis=1) <
             gap * np.maximum(r[i], r[j]) + 1)
    lo, hi = np.minimum(i, j)[close], np.maximum(i, j)[close]
    alive, kept = np.ones(n, bool), np.zeros(n, bool)
    while alive.any():
        blocked = np.zeros(n, bool)
        blocked[hi[alive[lo] & alive[hi]]] = True
        won = alive & ~blocked
        kept |= won
        alive &= ~won
        alive[hi[won[lo]]] = False
        alive[lo[won[hi]]] = False
    return np.flatnonzero(kept)[:limit]


# ------------------------------------------------------------ appearance
def _render(rng, height, width, xy, r, dxy, dr, kind,
            style: Optional[SceneStyle] = None):
    """(image (H, W, 3) uint8, head_map (H, W) int64) of one scene."""
    n, m = len(xy), len(dxy)
    # Light from above, a little to one side (a unit vector, y down).
    light = np.array([rng.uniform(-0.5, 0.5), -rng.uniform(0.2, 0.7), 1.0])
    light /= np.linalg.norm(light)
    back_view = rng.random(n) < (0.3 if style is None else
                                 style.back_view_prob)
    hat = ~back_view & (rng.random(n) < (0.1 if style is None else
                                         style.hat_prob))
    hair = np.where(hat[:, None], draw.any_colors(rng, n, sat=(0.3, 0.9)),
                    draw.hair_colors(rng, n, None if style is None else
                                     style.dark_hair))
    look = dict(
        aspect=rng.uniform(0.8, 0.95, n),
        # > 1: above every pixel of the disc, i.e. no face.
        hairline=np.where(back_view, 2.0, rng.uniform(-0.45, 0.15, n)),
        hair=hair, skin=draw.skin_colors(rng, n),
        eyes=~back_view & (r >= 6))
    clothes = _clothes(rng, n, style)

    skin, dark = draw.skin_colors(rng, m), draw.hair_colors(rng, m)
    two_tone = rng.random(m) < 0.5
    color = np.select(
        [kind[:, None] == 1, kind[:, None] == 3,
         (kind[:, None] == 2) & two_tone[:, None]],
        [dark, dark, skin], draw.vivid_colors(rng, m))
    color2 = np.where(kind[:, None] == 3, skin, dark)
    dlook = dict(color=color, color2=color2, two_tone=two_tone,
                 angle=rng.uniform(0, np.pi / 2, m))

    canvas = draw.background(rng, height, width,
                             None if style is None else style.background)
    ids = np.arange(2 * n + m)
    fragments = [
        draw.heads(xy[:, 0], xy[:, 1], r, look, light, ids[:n], height,
                   width),
        draw.shoulders(xy[:, 0], xy[:, 1], r, clothes, light, ids[n:2 * n],
                       height, width),
        draw.distractors(dxy[:, 0], dxy[:, 1], dr, kind, dlook, light,
                         ids[2 * n:], height, width)]
    # Nearer the bottom is nearer the camera; a head is in front of its
    # own shoulders. No body or distractor can cover a head centre: see
    # SceneParams.min_gap and the shoulders' offset below the head.
    depth = np.concatenate([xy[:, 1] + 0.25 * r, xy[:, 1],
                            dxy[:, 1] + 0.25 * dr])
    owner = draw.composite(canvas, fragments, depth)
    head_map = np.where(owner < n, owner, -1)
    return draw.finish(canvas, rng, style), head_map


def _clothes(rng, n, style) -> np.ndarray:
    """(n, 3) clothes colours: varied, mostly one team colour, or dark
    winter coats."""
    varied = draw.any_colors(rng, n)
    if style is None or style.clothes == 'varied':
        return varied
    if style.clothes == 'dark':
        return draw.any_colors(rng, n, sat=(0, 0.4), val=(0.05, 0.3))
    team = draw.hsv_to_rgb((style.team_hue + rng.uniform(-0.03, 0.03, n)) %
                           1.0, rng.uniform(0.6, 0.9, n),
                           rng.uniform(0.4, 0.9, n))
    return np.where((rng.random(n) < 0.75)[:, None], team, varied)
