from .inference import (LoadImageFromArray, build_test_pipelines,
                        inference_counter, init_counter)
from .onnx_counter import OnnxCounter

__all__ = [
    'LoadImageFromArray', 'OnnxCounter', 'build_test_pipelines',
    'inference_counter', 'init_counter'
]
