from .inference import (INIT_COUNTER_ERRORS, build_image_pipelines,
                        build_test_pipelines, inference_counter, init_counter,
                        load_image, prepare_image)
from .onnx_counter import OnnxCounter
from .psam_inference import ImagePSAM, inference_psam

__all__ = [
    'INIT_COUNTER_ERRORS', 'ImagePSAM', 'OnnxCounter', 'build_image_pipelines',
    'build_test_pipelines', 'inference_counter', 'inference_psam',
    'init_counter', 'load_image', 'prepare_image'
]
