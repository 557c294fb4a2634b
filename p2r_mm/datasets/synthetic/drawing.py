"""Drawing primitives of the synthetic crowd generator (see
:mod:`.scene_layout` for the scene layout).

Objects (heads, shoulders, distractors) are rasterised all at once on
per-object patches with numpy broadcasting, giving *fragments* (pixel,
object, colour); :func:`composite` keeps the front-most fragment of every
pixel with a depth buffer. Drawing order therefore does not matter, and
occlusion is exact: the object with the largest depth owns the pixel.

Units: lengths in pixels, pixel (row i, column j) centred at x=j, y=i;
colours are RGB float32 in [0, 1] until :func:`finish` turns the canvas
into uint8.
"""
from typing import Callable, List, NamedTuple

import cv2
import numpy as np

from .scene_style import LIGHTING

# Skin tones from light to dark (RGB); a face mixes two neighbours.
SKIN_ANCHORS = np.array([[0.98, 0.86, 0.76], [0.92, 0.75, 0.58],
                         [0.80, 0.56, 0.38], [0.58, 0.38, 0.24],
                         [0.36, 0.23, 0.15]], dtype=np.float32)
DISTRACTOR_KINDS = ('ball', 'ring', 'square', 'inverted', 'spot')


class Fragments(NamedTuple):
    """Drawn pixels of some objects: ``pix`` (F,) int64 flat pixel index
    ``y * width + x``; ``obj`` (F,) int64 object id; ``rgb`` (F, 3)."""
    pix: np.ndarray
    obj: np.ndarray
    rgb: np.ndarray


class Patch(NamedTuple):
    """Pixels of a shape, per object: ``n`` (F,) index of the object in
    its group, ``dx``, ``dy`` (F,) float32 offset of the pixel centre from
    the object's centre, ``pix`` (F,) flat pixel index."""
    n: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    pix: np.ndarray


# ------------------------------------------------------------ colours
def hsv_to_rgb(h, s, v) -> np.ndarray:
    """(..., 3) float32 RGB from hue in [0, 1) and s, v in [0, 1]."""
    h, s, v = np.broadcast_arrays(*(np.asarray(a, np.float32)
                                    for a in (h, s, v)))
    k = (np.array([5, 3, 1], np.float32) + h[..., None] * 6) % 6
    ramp = np.clip(np.minimum(k, 4 - k), 0, 1)
    return (v[..., None] * (1 - s[..., None] * ramp)).astype(np.float32)


def skin_colors(rng, n) -> np.ndarray:
    """(n, 3) skin tones: a random point on the anchor polyline, jittered."""
    t = rng.uniform(0, len(SKIN_ANCHORS) - 1, n)
    i = np.minimum(t.astype(int), len(SKIN_ANCHORS) - 2)
    w = (t - i)[:, None].astype(np.float32)
    rgb = (1 - w) * SKIN_ANCHORS[i] + w * SKIN_ANCHORS[i + 1]
    return np.clip(rgb * rng.uniform(0.9, 1.08, (n, 1)), 0, 1)


def hair_colors(rng, n, dark=None) -> np.ndarray:
    """(n, 3): mostly near-black, some brown, blond and grey, as in the
    crowds of the public datasets (dark top of a head is the main cue).
    ``dark``: the near-black share (default 0.72), the rest split
    16 : 6 : 6."""
    p = [0.72, 0.16, 0.06, 0.06] if dark is None else [
        dark, *(np.array([16, 6, 6]) / 28 * (1 - dark))]
    kind = rng.choice(4, n, p=p)
    hue = np.select([kind == 3], [rng.uniform(0, 1, n)],
                    rng.uniform(0.03, 0.11, n))
    sat = np.choose(kind, [rng.uniform(0.1, 0.5, n), rng.uniform(0.4, 0.7, n),
                           rng.uniform(0.35, 0.6, n), rng.uniform(0, 0.08, n)])
    val = np.choose(kind, [rng.uniform(0.03, 0.2, n),
                           rng.uniform(0.22, 0.42, n),
                           rng.uniform(0.6, 0.8, n),
                           rng.uniform(0.55, 0.8, n)])
    return hsv_to_rgb(hue, sat, val)


def vivid_colors(rng, n) -> np.ndarray:
    """(n, 3) saturated colours outside the skin/brown hues, for distractors
    that are head-shaped but the wrong colour."""
    hue = (rng.uniform(0.13, 0.98, n)) % 1.0  # skips orange-brown 0-0.13
    return hsv_to_rgb(hue, rng.uniform(0.6, 1, n), rng.uniform(0.55, 1, n))


def any_colors(rng, n, sat=(0, 0.9), val=(0.1, 0.95)) -> np.ndarray:
    """(n, 3) colours of clothes, hats and backgrounds."""
    return hsv_to_rgb(rng.uniform(0, 1, n), rng.uniform(*sat, n),
                      rng.uniform(*val, n))


# ------------------------------------------------------------ background
def background(rng, height, width, family=None) -> np.ndarray:
    """(height, width, 3) float32: a two-colour gradient, smooth noise
    blobs and, in half of the images, stripes (floors, railings), so that
    flat regions are never a shortcut for "no head here". ``family`` (a
    :data:`~.scene_style.BACKGROUNDS` name) adds its texture on top."""
    if family is not None:
        return _family_background(rng, height, width, family)
    # (1, W) and (H, 1): broadcasting builds the (H, W) maps directly.
    xs = np.arange(width, dtype=np.float32)[None]
    ys = np.arange(height, dtype=np.float32)[:, None]
    c0, c1 = any_colors(rng, 2, sat=(0, 0.6), val=(0.25, 0.9))
    angle = rng.uniform(0, 2 * np.pi)
    t = xs * np.cos(angle) + ys * np.sin(angle)
    t = (t - t.min()) / max(float(np.ptp(t)), 1.0)
    img = c0 + t[..., None] * (c1 - c0)
    # Mostly brightness, a little hue: rainbow blobs look like nothing
    # a camera sees.
    grid = rng.standard_normal((int(rng.integers(3, 11)),
                                int(rng.integers(3, 11)), 4))
    grid = grid[..., :1] + 0.3 * grid[..., 1:]
    blobs = cv2.resize(grid.astype(np.float32), (width, height),
                       interpolation=cv2.INTER_CUBIC)
    img += blobs * rng.uniform(0.03, 0.14)
    if rng.random() < 0.5:
        phi = rng.uniform(0, np.pi)
        period = rng.uniform(6, 40)
        wave = np.sin((xs * np.cos(phi) + ys * np.sin(phi)) * 2 * np.pi /
                      period + rng.uniform(0, 2 * np.pi))
        tint = any_colors(rng, 1, sat=(0, 0.5), val=(0.5, 1))[0] - 0.5
        img += wave[..., None] * tint * rng.uniform(0.1, 0.35)
    return img


# ------------------------------------------------------------ shapes
def patch(cx, cy, extent, inside: Callable, height, width) -> Patch:
    """Pixels of the image within ``extent = (left, right, up, down)``
    (int, pixels) of each centre ``(cx, cy)`` ((N,) float) where
    ``inside(dx, dy)`` holds; ``dx`` comes as (N, 1, w) and ``dy`` as
    (N, h, 1), so ``inside`` broadcasts to (N, h, w)."""
    left, right, up, down = extent
    bx, by = np.rint(cx).astype(np.int64), np.rint(cy).astype(np.int64)
    px = bx[:, None, None] + np.arange(-left, right + 1)[None, None, :]
    py = by[:, None, None] + np.arange(-up, down + 1)[None, :, None]
    dx = (px - cx[:, None, None]).astype(np.float32)
    dy = (py - cy[:, None, None]).astype(np.float32)
    keep = (inside(dx, dy) & (px >= 0) & (px < width) & (py >= 0)
            & (py < height))
    n, i, j = np.nonzero(keep)
    return Patch(n, dx[n, 0, j], dy[n, i, 0],
                 py[n, i, 0] * width + px[n, 0, j])


def lambert(u, v, light) -> np.ndarray:
    """Brightness (F,) of a sphere seen at normalised disc position (u, v)
    (u, v in [-1, 1], v down) lit from unit direction ``light`` (3,)."""
    nz = np.sqrt(np.clip(1 - u * u - v * v, 0, 1))
    lit = np.clip(u * light[0] + v * light[1] + nz * light[2], 0, 1)
    return 0.45 + 0.7 * lit


def size_groups(r, groups=3) -> List[np.ndarray]:
    """Indices of objects split by size, so small objects do not get
    patches as large as the largest one."""
    order = np.argsort(r, kind='stable')
    return [g for g in np.array_split(order, groups) if len(g)]


def heads(cx, cy, r, look, light, ids, height, width) -> Fragments:
    """Heads: an ellipse of half-height ``r`` (N,) and half-width
    ``r * look['aspect']``; hair above a hairline that curves down at the
    sides, a shaded face below it (none for a head seen from behind), eyes
    on faces of heads large enough to show them, and hats.

    ``look``: dict of (N,) / (N, 3) arrays ``aspect``, ``hairline`` (the
    hairline's height on the disc, in [-1, 1], > 1 for no face), ``hair``,
    ``skin`` (RGB), ``eyes`` (bool). ``ids`` (N,) object ids.
    """
    out = []
    for g in size_groups(r):
        ext = int(np.ceil(r[g].max())) + 1
        ax, ry = r[g] * look['aspect'][g], r[g]

        def inside(dx, dy):
            return ((dx / ax[:, None, None]) ** 2 +
                    (dy / ry[:, None, None]) ** 2) < 1
        p = patch(cx[g], cy[g], (ext, ext, ext, ext), inside, height, width)
        u, v = p.dx / ax[p.n], p.dy / ry[p.n]
        hairline = look['hairline'][g][p.n]
        face = v > hairline + 0.35 * u * u
        rgb = np.where(face[:, None], look['skin'][g][p.n],
                       look['hair'][g][p.n])
        eye = (face & look['eyes'][g][p.n] &
               ((np.abs(u) - 0.38) ** 2 + (v - hairline - 0.38) ** 2 < 0.02))
        rgb[eye] *= 0.3
        rgb *= lambert(u, v, light)[:, None]
        out.append(Fragments(p.pix, ids[g][p.n], rgb))
    return _concat(out)


def shoulders(cx, cy, r, clothes, light, ids, height, width) -> Fragments:
    """Upper bodies below heads of radius ``r`` centred at (cx, cy) (N,):
    an ellipse 1.7 r wide and 1.05 r high centred 1.75 r below the head
    centre, in ``clothes`` (N, 3), darker downwards."""
    out = []
    for g in size_groups(r):
        rg = r[g]
        ext = (int(np.ceil(1.8 * rg.max())) + 1, ) * 2 + (
            0, int(np.ceil(2.8 * rg.max())) + 1)

        def inside(dx, dy):
            rr = rg[:, None, None]
            return (dx / (1.7 * rr)) ** 2 + ((dy - 1.75 * rr) /
                                             (1.05 * rr)) ** 2 < 1
        p = patch(cx[g], cy[g], ext, inside, height, width)
        u = p.dx / (1.7 * rg[p.n])
        v = (p.dy - 1.75 * rg[p.n]) / (1.05 * rg[p.n])
        shade = lambert(u, np.clip(v, -1, 1) * 0.5, light) * (0.95 - 0.2 * v)
        rgb = clothes[g][p.n] * shade[:, None]
        out.append(Fragments(p.pix, ids[g][p.n], rgb))
    return _concat(out)


def distractors(cx, cy, r, kind, look, light, ids, height,
                width) -> Fragments:
    """Head-sized things that are not heads, ``kind`` (N,) indexing
    :data:`DISTRACTOR_KINDS`; each stays within radius ``r`` (N,) of its
    centre (the layout relies on it to keep head centres visible):

    - ball: a shaded disc in a vivid colour (right shape, wrong colour);
    - ring: a hollow dark annulus (a blob edge without a blob);
    - square: a rotated square, flat or two-tone like hair over skin
      (head colours, wrong shape);
    - inverted: a head upside down (skin above hair);
    - spot: a bright lamp-like spot fading outwards.

    ``look``: (N, ...) arrays ``color``, ``color2`` (RGB), ``angle``
    (radians), ``two_tone`` (bool).
    """
    out = []
    for g in size_groups(r):
        ext = int(np.ceil(r[g].max())) + 1
        rg, kg = r[g], kind[g]
        cos, sin = np.cos(look['angle'][g]), np.sin(look['angle'][g])

        def inside(dx, dy):
            rr, k = rg[:, None, None], kg[:, None, None]
            d2 = (dx * dx + dy * dy) / (rr * rr)
            ru = (dx * cos[:, None, None] + dy * sin[:, None, None]) / rr
            rv = (dy * cos[:, None, None] - dx * sin[:, None, None]) / rr
            square = np.maximum(np.abs(ru), np.abs(rv)) < 0.7
            return np.select([k == 1, k == 2, k == 4],
                             [(d2 < 1) & (d2 > 0.3), square, d2 < 0.5],
                             d2 < 1)
        p = patch(cx[g], cy[g], (ext, ) * 4, inside, height, width)
        k, u, v = kg[p.n], p.dx / rg[p.n], p.dy / rg[p.n]
        c1, c2 = look['color'][g][p.n], look['color2'][g][p.n]
        rv = p.dy * cos[p.n] - p.dx * sin[p.n]
        top = (k == 3) & (v < 0.1) | (k == 2) & look['two_tone'][g][p.n] & (
            rv < 0)
        rgb = np.where(top[:, None], c2, c1)
        flat = (k == 2) | (k == 4)
        shade = np.where(flat, 1.0, lambert(np.clip(u, -1, 1),
                                            np.clip(v, -1, 1), light))
        rgb = rgb * shade[:, None]
        spot = k == 4
        glow = np.clip(1.2 - 2.0 * (u * u + v * v), 0, 1)[spot, None]
        rgb[spot] = glow + (1 - glow) * rgb[spot]
        out.append(Fragments(p.pix, ids[g][p.n], rgb))
    return _concat(out)


# ------------------------------------------------------------ compositing
def composite(canvas, fragments, depth):
    """Draw the front-most fragment of every pixel onto ``canvas``.

    Args:
        canvas: (H, W, 3) float32, drawn on in place.
        fragments: list of :class:`Fragments`.
        depth: (n_objects,) float, larger is nearer the camera; ties go
            to the larger object id.

    Returns:
        (H, W) int64: the id of the object seen at each pixel, -1 for
        background.
    """
    height, width = canvas.shape[:2]
    f = _concat(fragments)
    # A rank per object makes the winner of a pixel unique even when
    # depths tie, so exactly one fragment is written per pixel.
    rank = np.empty(len(depth), np.int64)
    rank[np.lexsort((np.arange(len(depth)), depth))] = np.arange(len(depth))
    key = rank[f.obj]
    zbuf = np.full(height * width, -1, np.int64)
    np.maximum.at(zbuf, f.pix, key)
    win = key == zbuf[f.pix]
    canvas.reshape(-1, 3)[f.pix[win]] = f.rgb[win]
    owner = np.full(height * width, -1, np.int64)
    owner[f.pix[win]] = f.obj[win]
    return owner.reshape(height, width)


def finish(canvas, rng, style=None) -> np.ndarray:
    """(H, W, 3) uint8 RGB: ``canvas`` with camera blur (shapes are drawn
    with hard edges; the blur anti-aliases them) and sensor noise; with a
    :class:`~.scene_style.SceneStyle`, its lighting, blur, noise and JPEG
    quality."""
    if style is None:
        sigma, amount = rng.uniform(0.45, 0.9), None
    else:
        gains, brightness = LIGHTING[style.lighting]
        canvas = canvas * (np.asarray(gains, np.float32) * brightness)
        sigma, amount = style.blur, style.noise
    img = cv2.GaussianBlur(canvas, (0, 0), sigma)
    noise = rng.standard_normal(img.shape, dtype=np.float32)
    img += noise * (rng.uniform(0.005, 0.02) if amount is None else amount)
    img = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    if style is not None and style.jpeg_quality < 100:
        ok, buf = cv2.imencode('.jpg', img[..., ::-1],
                               [cv2.IMWRITE_JPEG_QUALITY, style.jpeg_quality])
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()
    return img


def _family_background(rng, height, width, family) -> np.ndarray:
    """The gradient background of :func:`background` under the texture of
    a background family (see :mod:`.scene_style`)."""
    img = background(rng, height, width)
    xs = np.arange(width, dtype=np.float32)[None]
    ys = np.arange(height, dtype=np.float32)[:, None]
    if family == 'tiles':  # floor tiles, larger toward the camera
        size = rng.uniform(8, 24) * (1 + ys / height)
        cell = (np.floor(xs / size) + np.floor(ys / size)) % 2
        grout = ((xs % size) < 1.2) | ((ys % size) < 1.2)
        tint = any_colors(rng, 1, sat=(0, 0.4), val=(0.3, 0.9))[0] - 0.5
        img = img + cell[..., None] * tint * rng.uniform(0.2, 0.5)
        img = np.where(grout[..., None], img * 0.6, img)
    elif family == 'foliage':  # grass and leaves: fine, busy texture
        green = hsv_to_rgb(rng.uniform(0.2, 0.4), rng.uniform(0.3, 0.7),
                           rng.uniform(0.25, 0.6))
        img = 0.4 * img + 0.6 * green
        for cells in (8, 32, 96):
            grid = rng.standard_normal((max(2, cells * height // width),
                                        cells, 1)).astype(np.float32)
            img += cv2.resize(grid, (width, height),
                              interpolation=cv2.INTER_CUBIC)[..., None] \
                * (0.05 if cells < 96 else 0.08)
    elif family == 'asphalt':  # grey, grainy, with painted lines
        grey = rng.uniform(0.2, 0.55)
        img = 0.3 * img + 0.7 * grey + rng.standard_normal(
            (height, width, 1)).astype(np.float32) * 0.04
        for _ in range(int(rng.integers(0, 3))):
            phi, offset = rng.uniform(0, np.pi), rng.uniform(0, width)
            line = np.abs(xs * np.cos(phi) + ys * np.sin(phi) -
                          offset) < rng.uniform(1.5, 5)
            paint = np.float32([0.95, 0.9, 0.85]) if rng.random() < 0.6 \
                else np.float32([0.95, 0.8, 0.2])
            img = np.where(line[..., None], paint, img)
    elif family == 'railings':  # strong, regular bars
        phi = rng.uniform(-0.3, 0.3)
        period = rng.uniform(8, 30)
        bars = np.sin((xs * np.cos(phi) + ys * np.sin(phi)) * 2 * np.pi /
                      period) > rng.uniform(0.3, 0.8)
        img = np.where(bars[..., None], img * rng.uniform(0.3, 0.6), img)
    elif family != 'gradient':
        raise ValueError(f'unknown background family {family!r}')
    return img.astype(np.float32)


def _concat(parts: List[Fragments]) -> Fragments:
    if not parts:
        return Fragments(np.zeros(0, np.int64), np.zeros(0, np.int64),
                         np.zeros((0, 3), np.float32))
    return Fragments(*(np.concatenate(a) for a in zip(*parts)))
