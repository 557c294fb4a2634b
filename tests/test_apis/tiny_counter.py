"""A tiny PointCounter config and checkpoints with known predictions, for
the inference API and demo tools tests.

The "pattern" checkpoint zeroes the head's last conv and sets its bias so
that, whatever the image, the cells (row i, col j) with i and j both even
have logit +10 and all others -10: an H x W input has exactly
``ceil(ceil(H / 4) / 2) * ceil(ceil(W / 4) / 2)`` predicted heads, at
known places. The "random" checkpoint is a seeded random initialisation,
whose predictions depend on the pixels.
"""
import math
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from p2r_mm.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# Overrides of the P2R counter that make it tiny.
TINY_COUNTER = """dict(
    backbone=dict(base_channels=4, init_cfg=None),
    neck=dict(in_channels=(32, 32), out_channels=16),
    head=dict(in_channels=16, feat_channels=16))"""
TINY_CONFIG = """
_base_ = ['{repo}/configs/{base}']
model = {model}
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadCrowdImage'),
    dict(type='LoadCrowdAnnotations'),
    dict(type='ResizeLongSide', max_size={max_size}),
    dict(type='PackCrowdInputs'),
]))
"""


def write_config(path, max_size=2048, semi=False) -> str:
    """A tiny supervised (or semi-supervised) config at ``path``."""
    text = TINY_CONFIG.format(
        repo=REPO,
        base='p2r/sha_5pct.py' if semi else 'supervised/sha_full.py',
        model=f'dict(counter={TINY_COUNTER})' if semi else TINY_COUNTER,
        max_size=max_size)
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def write_checkpoint(config: str, path, pattern: bool) -> str:
    """Save a state dict of the config's (supervised) model."""
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('p2r_mm'):
        model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    if pattern:
        cls = model.head.cls  # 2 * 2 * 2 channels before PixelShuffle(2)
        with torch.no_grad():
            cls.weight.zero_()
            # Channels 0-3 -> background map, 4-7 -> head map; channel 4
            # is sub-position (0, 0) of each stride-8 feature cell.
            cls.bias.copy_(torch.tensor([0, 0, 0, 0, 10, -10, -10, -10.]))
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


def pattern_count(h: int, w: int) -> int:
    """Heads the pattern checkpoint predicts on an h x w input."""
    return math.ceil(math.ceil(h / 4) / 2) * math.ceil(math.ceil(w / 4) / 2)


def pattern_points(h: int, w: int) -> np.ndarray:
    """(N, 2) (x, y) input pixels of those heads, centres of cells with
    even row and column (cell (i, j) centred at (4j + 1.5, 4i + 1.5))."""
    ys, xs = np.meshgrid(np.arange(0, math.ceil(h / 4), 2),
                         np.arange(0, math.ceil(w / 4), 2), indexing='ij')
    return np.stack([xs.ravel() * 4 + 1.5, ys.ravel() * 4 + 1.5], 1)


def random_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
