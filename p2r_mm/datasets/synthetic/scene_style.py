"""Per-image scene styles: what makes one crowd photo unlike another.

Real crowd datasets mix cameras, places and seasons: ShanghaiTech A's
dense street crowds, B's sparse campus scenes, UCF-QNRF's stadiums at
night. A style is drawn once per image and shapes its whole appearance,
so that a handful of labelled images covers only part of the
distribution (the regime where unlabelled images have something to add):

- background family (plain gradient, floor tiles, foliage, asphalt,
  railings), lighting and white balance (warm, cool, dim, over-exposed);
- palette: the crowd's clothes (varied, one team colour, dark winter
  coats), hair, hats and the share of heads seen from behind;
- head size and perspective strength (from a high, far camera with tiny
  heads to a low, near one with large heads growing fast downwards);
- camera: blur, sensor noise and JPEG quality;
- distractors: how many per head and which kinds.
"""
from dataclasses import dataclass

import numpy as np

BACKGROUNDS = ('gradient', 'tiles', 'foliage', 'asphalt', 'railings')
CLOTHES = ('varied', 'team', 'dark')
#: Channel gains (R, G, B) and a brightness factor per lighting.
LIGHTING = dict(neutral=((1.0, 1.0, 1.0), 1.0), warm=((1.12, 1.0, 0.78), 1.0),
                cool=((0.82, 0.95, 1.15), 0.95), dim=((1.0, 0.95, 0.9), 0.5),
                bright=((1.0, 1.0, 1.0), 1.3))


@dataclass(frozen=True)
class SceneStyle:
    """The look of one image (see the module docstring).

    Attributes:
        background: one of :data:`BACKGROUNDS`.
        lighting: a key of :data:`LIGHTING`.
        clothes: one of :data:`CLOTHES`; ``team_hue`` in [0, 1) for 'team'.
        dark_hair: probability that a head's hair is near-black.
        hat_prob, back_view_prob: per head.
        size_scale: factor on the head radii of :class:`SceneParams`.
        perspective: further factor on the top-row radius (> 1: a
            flatter view, the top heads nearer the bottom ones' size;
            never above the bottom radius).
        blur, noise: camera blur sigma (pixels) and noise std (of 1).
        jpeg_quality: of the in-memory re-encoding (100: none).
        distractor_ratio: distractors per head.
        distractor_mix: (len(DISTRACTOR_KINDS),) probabilities.
    """
    background: str
    lighting: str
    clothes: str
    team_hue: float
    dark_hair: float
    hat_prob: float
    back_view_prob: float
    size_scale: float
    perspective: float
    blur: float
    noise: float
    jpeg_quality: int
    distractor_ratio: float
    distractor_mix: tuple


def draw_style(rng: np.random.Generator, params,
               num_distractor_kinds: int) -> SceneStyle:
    """A style for one image; ``params`` is the :class:`SceneParams`
    (its ``distractor_ratio`` range bounds the style's ratio)."""
    size_scale = float(np.exp(rng.uniform(np.log(0.55), np.log(1.6))))
    lo, hi = params.distractor_ratio
    return SceneStyle(
        background=str(rng.choice(BACKGROUNDS)),
        lighting=str(rng.choice(list(LIGHTING), p=[0.4, 0.15, 0.15, 0.15,
                                                  0.15])),
        clothes=str(rng.choice(CLOTHES, p=[0.6, 0.2, 0.2])),
        team_hue=float(rng.uniform(0, 1)),
        dark_hair=float(rng.uniform(0.4, 0.95)),
        hat_prob=float(rng.choice([0.02, 0.1, 0.4])),
        back_view_prob=float(rng.uniform(0.05, 0.7)),
        size_scale=size_scale,
        perspective=float(np.exp(rng.uniform(np.log(0.6), np.log(2.5)))),
        blur=float(np.exp(rng.uniform(np.log(0.4), np.log(1.8)))),
        noise=float(np.exp(rng.uniform(np.log(0.004), np.log(0.04)))),
        jpeg_quality=int(rng.choice([35, 55, 75, 95, 100])),
        distractor_ratio=float(rng.uniform(lo, hi)),
        distractor_mix=tuple(float(p) for p in rng.dirichlet(
            np.full(num_distractor_kinds, 0.7))))
