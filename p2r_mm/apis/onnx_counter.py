"""The onnxruntime backend: a counter whose network is an exported ONNX
graph (``tools/deployment/pytorch2onnx.py``), behind the same inference API.

Only the network (image -> logit map) is in the graph. Pre-processing
(the config's test pipeline and data preprocessor), tiling and turning
logits into points and counts are the PyTorch path's own code, so both
backends give the same points for the same logits.
"""
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseModel
from torch import Tensor

from p2r_mm.models.counters import check_test_cfg, predict_logits
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from .deploy_extra import import_deploy_package

# Metadata the exporter writes into the .onnx file and the backend checks.
STRIDE_KEY = 'p2r_mm.stride'
INPUT_NAME = 'inputs'
OUTPUT_NAME = 'logits'


def onnxruntime_providers(device: str) -> list:
    """onnxruntime execution providers for a torch-style device name."""
    ort = import_deploy_package('onnxruntime', 'the onnxruntime backend')
    if device == 'cpu':
        return ['CPUExecutionProvider']
    if device.startswith('cuda'):
        if 'CUDAExecutionProvider' not in ort.get_available_providers():
            raise RuntimeError(
                f'device {device!r}: this onnxruntime has no CUDA execution '
                'provider (install onnxruntime-gpu), or use device="cpu"')
        index = int(device.split(':')[1]) if ':' in device else 0
        return [('CUDAExecutionProvider', dict(device_id=index)),
                'CPUExecutionProvider']
    raise ValueError(f"device must be 'cpu' or 'cuda[:N]', got {device!r}")


def create_session(onnx_file: str, device: str = 'cpu'):
    """An ``onnxruntime.InferenceSession`` of ``onnx_file``, using as many
    threads as torch (``torch.get_num_threads()``), so ``OMP_NUM_THREADS``
    and ``torch.set_num_threads`` bound both backends alike."""
    ort = import_deploy_package('onnxruntime', 'the onnxruntime backend')
    if not osp.isfile(onnx_file):
        raise FileNotFoundError(f'ONNX model file not found: {onnx_file!r}')
    providers = onnxruntime_providers(device)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    try:
        return ort.InferenceSession(onnx_file, options, providers=providers)
    except Exception as e:  # onnxruntime's errors share no base class
        raise ValueError(f'cannot load ONNX model {onnx_file!r}: '
                         f'{type(e).__name__}: {e}') from None


class OnnxCounter(BaseModel):
    """A :class:`PointCounter` whose backbone, neck and head run in
    onnxruntime. Built by ``init_counter(config, 'model.onnx')``.

    Args:
        onnx_file (str): a graph from ``tools/deployment/pytorch2onnx.py``:
            input ``inputs`` (B, 3, H, W) float32, normalised as the data
            preprocessor does; output ``logits`` (B, 1, H/s, W/s).
        head (dict): the counter's head config. Only its stride, logit
            threshold, ``merge_flipped`` and ``predict_by_feat`` are used
            (its few weights stay unused: the graph holds the trained
            ones).
        data_preprocessor (dict): the counter's (normalise, pad to /32).
        test_cfg (dict, optional): ``tile=dict(size, overlap)`` and
            ``flip`` as for :class:`PointCounter`.
        device (str): 'cpu' or 'cuda[:N]' (needs onnxruntime-gpu). Inputs
            and outputs are CPU tensors either way.

    ``forward`` modes: 'predict' -> :class:`CrowdDataSample` list with
    ``pred_*`` fields, 'tensor' -> logits; no 'loss' (it cannot train).
    """

    def __init__(self,
                 onnx_file: str,
                 head: dict,
                 data_preprocessor: Union[dict, None] = dict(
                     type='CountingDataPreprocessor'),
                 test_cfg: Optional[dict] = None,
                 device: str = 'cpu') -> None:
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor)
        self.head = MODELS.build(head)
        self.test_cfg = dict(test_cfg or {})
        check_test_cfg(self.test_cfg)
        self.onnx_file = str(onnx_file)
        self.session = create_session(self.onnx_file, device)
        inputs = self.session.get_inputs()
        if [i.name for i in inputs] != [INPUT_NAME]:
            raise ValueError(
                f'{self.onnx_file!r}: expected one input {INPUT_NAME!r}, '
                f'found {[i.name for i in inputs]} (not a p2r_mm '
                'export?)')
        # Symbolic (dynamic) dimensions come as names or None.
        self.input_shape = tuple(
            d if isinstance(d, int) else None for d in inputs[0].shape)
        meta = self.session.get_modelmeta().custom_metadata_map
        if STRIDE_KEY in meta and int(meta[STRIDE_KEY]) != self.stride:
            raise ValueError(
                f'{self.onnx_file!r} outputs stride-{meta[STRIDE_KEY]} '
                f'logits, but the config\'s head has stride {self.stride}: '
                'is this the config the model was exported from?')

    @property
    def stride(self) -> int:
        return self.head.stride

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[CrowdDataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs)
        raise RuntimeError(f'Invalid mode "{mode}": the onnxruntime backend '
                           'only predicts (predict or tensor); train the '
                           'PyTorch model')

    def _forward(self, inputs: Tensor, data_samples=None) -> Tensor:
        """(B, 3, H, W) normalised inputs -> (B, 1, H/s, W/s) logits."""
        shape = tuple(inputs.shape)
        if any(want is not None and want != got
               for want, got in zip(self.input_shape, shape)):
            raise ValueError(
                f'{self.onnx_file!r} takes inputs of fixed shape '
                f'{self.input_shape}, got {shape}: export it with dynamic '
                'height/width, or tile at its size (tile=(H, overlap))')
        array = np.ascontiguousarray(inputs.detach().cpu().float().numpy())
        (logits, ) = self.session.run([OUTPUT_NAME], {INPUT_NAME: array})
        B, _, H, W = shape
        s = self.stride
        if logits.shape != (B, 1, H // s, W // s):
            raise ValueError(
                f'{self.onnx_file!r} gave logits of shape {logits.shape} '
                f'for inputs {shape}; the config\'s head expects '
                f'{(B, 1, H // s, W // s)} (stride {s}): wrong config?')
        return torch.from_numpy(logits)

    def predict(self,
                inputs: Tensor,
                data_samples: Sequence[CrowdDataSample],
                rescale: bool = True) -> List[CrowdDataSample]:
        logits = predict_logits(self._forward, inputs, self.test_cfg,
                                self.stride, self.head.sub_cells,
                                self.head.merge_flipped)
        return self.head.predict_by_feat(logits, data_samples, rescale)


def resolve_backend(checkpoint: Optional[str], backend: Optional[str]) -> str:
    """'pytorch' or 'onnxruntime': ``backend`` if given (checked against
    the checkpoint), else by the checkpoint's extension."""
    is_onnx = checkpoint is not None and str(checkpoint).endswith('.onnx')
    if backend is None:
        return 'onnxruntime' if is_onnx else 'pytorch'
    if backend not in ('pytorch', 'onnxruntime'):
        raise ValueError("backend must be 'pytorch' or 'onnxruntime', got "
                         f'{backend!r}')
    if backend == 'onnxruntime' and not is_onnx:
        raise ValueError('the onnxruntime backend runs an exported .onnx '
                         f'file, got checkpoint {checkpoint!r}')
    if backend == 'pytorch' and is_onnx:
        raise ValueError(f'{checkpoint!r} is an ONNX model: use '
                         "backend='onnxruntime'")
    return backend


def build_onnx_counter(onnx_file: str, counter_cfg: dict,
                       device: str = 'cpu') -> OnnxCounter:
    """An :class:`OnnxCounter` with a (supervised) counter config's head,
    data preprocessor and test_cfg."""
    return OnnxCounter(
        onnx_file,
        head=counter_cfg['head'],
        data_preprocessor=counter_cfg.get(
            'data_preprocessor', dict(type='CountingDataPreprocessor')),
        test_cfg=counter_cfg.get('test_cfg'),
        device=device)
