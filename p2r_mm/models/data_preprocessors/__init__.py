from .counting_data_preprocessor import CountingDataPreprocessor

__all__ = ['CountingDataPreprocessor']
