from .crowd_data_sample import CrowdDataSample, empty_points
from .point_coordinates import input_to_original

__all__ = ['CrowdDataSample', 'empty_points', 'input_to_original']
