from .crowd_data_sample import CrowdDataSample, empty_points

__all__ = ['CrowdDataSample', 'empty_points']
