from .base_crowd_dataset import BaseCrowdDataset
from .custom_crowd import CustomCrowdDataset
from .jhu_crowd import JHUCrowdDataset
from .nwpu_crowd import NWPUCrowdDataset
from .samplers import *  # noqa: F401,F403
from .semi_crowd_dataset import SemiCrowdDataset
from .shanghaitech import ShanghaiTechDataset
from .synthetic import SyntheticCrowdDataset
from .transforms import *  # noqa: F401,F403
from .ucf_qnrf import UCFQNRFDataset

__all__ = [
    'BaseCrowdDataset', 'CustomCrowdDataset', 'JHUCrowdDataset',
    'NWPUCrowdDataset', 'SemiCrowdDataset', 'ShanghaiTechDataset',
    'SyntheticCrowdDataset', 'UCFQNRFDataset'
]
