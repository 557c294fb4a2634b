from .counter_config import counter_config
from .crowd_inferencer import CrowdImagePipeline, CrowdInferencer
from .image_loading import (build_image_pipelines, build_test_pipelines,
                            load_image, prepare_image)
from .inference import INIT_COUNTER_ERRORS, inference_counter, init_counter
from .onnx_counter import OnnxCounter
from .psam_inference import ImagePSAM, inference_psam
from .shipped import DEFAULT_MODEL, shipped_model, shipped_models

__all__ = [
    'DEFAULT_MODEL', 'INIT_COUNTER_ERRORS', 'CrowdImagePipeline',
    'CrowdInferencer', 'ImagePSAM', 'OnnxCounter', 'build_image_pipelines',
    'build_test_pipelines', 'counter_config', 'inference_counter',
    'inference_psam', 'init_counter', 'load_image', 'prepare_image',
    'shipped_model', 'shipped_models'
]
