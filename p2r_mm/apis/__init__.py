from .inference import (build_image_pipelines, build_test_pipelines,
                        inference_counter, init_counter, load_image,
                        prepare_image)

__all__ = [
    'build_image_pipelines', 'build_test_pipelines', 'inference_counter',
    'init_counter', 'load_image', 'prepare_image'
]
