from .inference import (build_image_pipelines, build_test_pipelines,
                        inference_counter, init_counter, load_image,
                        prepare_image)
from .onnx_counter import OnnxCounter

__all__ = [
    'OnnxCounter', 'build_image_pipelines', 'build_test_pipelines',
    'inference_counter', 'init_counter', 'load_image', 'prepare_image'
]
