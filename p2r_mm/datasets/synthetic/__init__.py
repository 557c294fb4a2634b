"""The procedural crowd benchmark: scene layout (``scene_layout``), drawing
primitives (``drawing``), data sets on disk (``writing``) and the dataset
that generates and reads them (``synthetic_crowd_dataset``)."""
from .scene_layout import GENERATOR_VERSION, SceneParams, generate_scene
from .synthetic_crowd_dataset import SyntheticCrowdDataset
from .writing import ensure_split, read_meta

__all__ = [
    'GENERATOR_VERSION', 'SceneParams', 'SyntheticCrowdDataset',
    'ensure_split', 'generate_scene', 'read_meta'
]
