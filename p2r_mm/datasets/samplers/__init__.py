from .multi_source_epoch_sampler import MultiSourceEpochSampler

__all__ = ['MultiSourceEpochSampler']
