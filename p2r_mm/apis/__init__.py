from .inference import (LoadImageFromArray, build_test_pipelines,
                        inference_counter, init_counter)

__all__ = [
    'LoadImageFromArray', 'build_test_pipelines', 'inference_counter',
    'init_counter'
]
