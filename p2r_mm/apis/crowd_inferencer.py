"""Count people in images the MMDetection 3.x way: an inferencer on
MMEngine's ``BaseInferencer`` (preprocess, forward, visualize,
postprocess), called on an image, a list of images or a folder."""
import json
import os
import os.path as osp
import warnings
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose
from mmengine.infer import BaseInferencer
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from rich.progress import track

from p2r_mm.registry import INFERENCERS, MODELS
from p2r_mm.structures import CrowdDataSample
from p2r_mm.utils import safe_checkpoint_loading
from .counter_config import counter_config
from .image_loading import ImageType, build_test_pipelines, load_image
from .onnx_counter import build_onnx_counter, resolve_backend
from .shipped import is_shipped_name, shipped_model

#: What a folder given as input contributes: its files with these
#: extensions, sorted by name.
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class CrowdImagePipeline:
    """A config's test pipeline for inference inputs, split after its file
    loader so that the decoded image is kept for drawing (decoded once).

    ``__call__(image, index)`` takes a file path or an (H, W, 3) uint8 BGR
    array and returns ``(image as decoded, (H, W, 3) uint8 BGR;
    dict(inputs=(3, H', W') uint8 tensor, data_samples=CrowdDataSample))``.
    Raises FileNotFoundError / ValueError naming a missing or unreadable
    file, ValueError for a malformed array.
    """

    def __init__(self, pipelines: Tuple[Compose, Compose]) -> None:
        from_file, self.from_array = pipelines
        self.load_file = from_file.transforms[0]
        self.after_loading = Compose(from_file.transforms[1:])

    def __call__(self, image: ImageType, index: int) -> Tuple[np.ndarray,
                                                              dict]:
        if isinstance(image, np.ndarray):  # checked by load_image
            return image, load_image(image, index, (None, self.from_array))
        path = str(image)
        if not osp.isfile(path):
            raise FileNotFoundError(f'Image file not found: {path!r}')
        results = self.load_file(dict(img_path=path, img_id=index))
        return results['img'], self.after_loading(results)


@INFERENCERS.register_module()
class CrowdInferencer(BaseInferencer):
    """Count the people in images with a trained counter.

    Example::

        inferencer = CrowdInferencer('configs/p2r/sha_5pct.py', 'ckpt.pth')
        result = inferencer('crowd.jpg', out_dir='outputs')
        result['predictions'][0]['count']  # drawing: outputs/vis/crowd.jpg

    Args:
        model (str | Path | Config | nn.Module, optional): the config (file
            or loaded) of a counter or of a semi-supervised model (its
            ``semi_test_cfg.predict_on`` counter predicts); or a model
            already built with its config as ``.cfg`` (:func:`init_counter`
            returns one), used as it is; or the name of a model shipped in
            the package (:mod:`.shipped`), with its weights. None:
            the default shipped model, ``'shb_cpu_demo'``.
        weights (str, optional): checkpoint to load (``.pth``, or an
            exported ``.onnx`` for the onnxruntime backend); without one a
            config's model keeps its random initialisation (a warning says
            so).
        device (str, optional): 'cpu', 'cuda', 'cuda:1', ...; by default
            CUDA when there is one.
        scope (str): registry scope of the config's types.
        show_progress (bool): a progress bar over the batches.
        cfg_options (dict, optional): overrides merged into the config.
        tile (tuple[int, int], optional): ``(size, overlap)`` in pixels
            (multiples of 32): predict tile by tile to bound memory on huge
            images (``test_cfg.tile`` of the predicting counter).
        backend (str, optional): 'pytorch' or 'onnxruntime'; by default
            'onnxruntime' for a ``.onnx`` checkpoint, else 'pytorch'.
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = {
        'return_vis', 'show', 'wait_time', 'draw_pred', 'draw_heatmap',
        'img_out_dir'
    }
    postprocess_kwargs: set = {
        'return_datasamples', 'print_result', 'pred_out_dir'
    }

    def __init__(self,
                 model: Union[str, Path, Config, nn.Module, None] = None,
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'p2r_mm',
                 show_progress: bool = True,
                 cfg_options: Optional[dict] = None,
                 tile: Optional[Tuple[int, int]] = None,
                 backend: Optional[str] = None) -> None:
        self.num_visualized_imgs = 0
        self.num_predicted_imgs = 0
        if isinstance(model, nn.Module):
            self._use_built_model(model, weights, scope, show_progress)
            return
        if model is None or is_shipped_name(model):
            if weights is not None:
                raise ValueError(
                    'CrowdInferencer: a shipped model comes with its '
                    f'weights; got weights={weights!r} as well (give a '
                    'config file with a checkpoint instead)')
            model, weights = shipped_model(model)
        self.backend = resolve_backend(weights, backend)
        self.cfg_options, self.tile = cfg_options, tile
        if isinstance(model, (str, Path)):
            # BaseInferencer would look a missing file up as a model name.
            model = Config.fromfile(str(model))
        super().__init__(model=model, weights=weights, device=device,
                         scope=scope, show_progress=show_progress)

    def _use_built_model(self, model: nn.Module, weights: Optional[str],
                         scope: str, show_progress: bool) -> None:
        """What ``BaseInferencer.__init__`` sets up, around a model that
        is already built and loaded."""
        if weights is not None:
            raise ValueError('CrowdInferencer: a built model comes with its '
                             f'weights; got weights={weights!r} as well')
        if not hasattr(model, 'cfg'):
            raise AttributeError(
                'model has no .cfg: build it with init_counter')
        self.scope, self.show_progress = scope, show_progress
        self.cfg = model.cfg
        self.model = model
        self.pipeline = self._init_pipeline(self.cfg)
        self.collate_fn = self._init_collate(self.cfg)
        self.visualizer = self._init_visualizer(self.cfg)

    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        """The counter of ``cfg`` (changed in place by ``cfg_options`` and
        ``tile``), with ``weights``, in eval mode on ``device``, with the
        config as ``model.cfg``."""
        if not cfg:
            raise ValueError('CrowdInferencer needs the model\'s config (a '
                             'file or a Config)')
        if self.cfg_options is not None:
            cfg.merge_from_dict(self.cfg_options)
        counter_cfg = counter_config(cfg.model)
        if weights is not None and 'init_cfg' in counter_cfg.get(
                'backbone', {}):
            # The checkpoint holds every weight: never fetch ImageNet ones.
            counter_cfg.backbone.init_cfg = None
        if self.tile is not None:
            size, overlap = (int(v) for v in self.tile)
            counter_cfg.setdefault('test_cfg', {})
            counter_cfg.test_cfg['tile'] = dict(size=size, overlap=overlap)
        if self.backend == 'onnxruntime':
            model = build_onnx_counter(weights, counter_cfg, device)
            model.cfg = cfg
            return model.eval()
        with DefaultScope.overwrite_default_scope(self.scope):
            model = MODELS.build(cfg.model)
        model = revert_sync_batchnorm(model)
        if weights is None:
            warnings.warn('CrowdInferencer: no checkpoint given, the model '
                          'keeps random weights')
        else:
            # weights_only loading for this file only (nothing global).
            with safe_checkpoint_loading():
                load_checkpoint(model, weights, map_location='cpu')
        model.cfg = cfg
        model.to(device)
        return model.eval()

    def _init_pipeline(self, cfg: Config) -> CrowdImagePipeline:
        return CrowdImagePipeline(build_test_pipelines(cfg))

    def _init_visualizer(self, cfg: Config) -> None:
        # Built on first use (_visualizer): MMEngine keeps every visualiser
        # of the process by name, and most calls draw nothing.
        return None

    def _visualizer(self):
        if self.visualizer is None:
            vis_cfg = ConfigDict(self.cfg.get('visualizer', None) or
                                 dict(type='CrowdVisualizer'))
            # Drawings go to the files visualize() names; no vis backend.
            vis_cfg.update(vis_backends=None, save_dir=None)
            with DefaultScope.overwrite_default_scope(self.scope):
                self.visualizer = super()._init_visualizer(
                    ConfigDict(visualizer=vis_cfg))
        return self.visualizer

    def _inputs_to_list(self, inputs) -> list:
        """A folder: its images (``IMG_EXTENSIONS``) sorted by name; a
        list or tuple as it is; anything else: one image."""
        if isinstance(inputs, (str, Path)) and osp.isdir(inputs):
            folder = str(inputs)
            return [
                osp.join(folder, n) for n in sorted(os.listdir(folder))
                if n.lower().endswith(IMG_EXTENSIONS)
                and osp.isfile(osp.join(folder, n))
            ]
        if isinstance(inputs, (list, tuple)):
            return list(inputs)
        return [inputs]

    def preprocess(self, inputs: Sequence[ImageType], batch_size: int = 1,
                   **kwargs) -> Iterator[Tuple[List[np.ndarray], dict]]:
        """Batches of ``batch_size`` inputs: ``(the images as decoded, each
        (H, W, 3) uint8 BGR; the batch for model.test_step)``. An image is
        read when its batch is reached."""
        for start in range(0, len(inputs), batch_size):
            loaded = [
                self.pipeline(image, start + k)
                for k, image in enumerate(inputs[start:start + batch_size])
            ]
            yield ([image for image, _ in loaded],
                   self.collate_fn([packed for _, packed in loaded]))

    def __call__(self,
                 inputs,
                 batch_size: int = 1,
                 out_dir: str = '',
                 **kwargs) -> dict:
        """Count the people in ``inputs``: an image file, an (H, W, 3)
        uint8 BGR array, a list of them or a folder of images.

        Args:
            batch_size (int): images per forward pass; a batch is padded to
                its largest image.
            out_dir (str): write the drawings to ``out_dir/vis/`` and the
                predictions to ``out_dir/preds/`` (see ``img_out_dir`` and
                ``pred_out_dir``).
            **kwargs: the arguments of :meth:`visualize` (``show``,
                ``wait_time``, ``return_vis``, ``draw_pred``,
                ``draw_heatmap``, ``img_out_dir``) and of
                :meth:`postprocess` (``return_datasamples``,
                ``print_result``, ``pred_out_dir``).

        Returns:
            dict: ``predictions``, one per image in input order (see
            :meth:`postprocess`), and ``visualization``, the drawn
            (H, W, 3) uint8 RGB images when asked for (``return_vis``,
            ``show``, an output folder), else an empty list.
        """
        if out_dir:
            kwargs.setdefault('img_out_dir', osp.join(out_dir, 'vis'))
            kwargs.setdefault('pred_out_dir', osp.join(out_dir, 'preds'))
        _, forward_kwargs, visualize_kwargs, postprocess_kwargs = \
            self._dispatch_kwargs(**kwargs)
        batches = self.preprocess(self._inputs_to_list(inputs), batch_size)
        if self.show_progress:
            batches = track(batches, description='Inference')
        results = dict(predictions=[], visualization=[])
        # Batch after batch, so that a folder never holds all its images.
        for images, data in batches:
            preds = self.forward(data, **forward_kwargs)
            drawn = self.visualize(images, preds, **visualize_kwargs)
            out = self.postprocess(preds, drawn, **postprocess_kwargs)
            results['predictions'].extend(out['predictions'])
            results['visualization'].extend(out['visualization'] or [])
        return results

    def visualize(self,
                  inputs: List[np.ndarray],
                  preds: List[CrowdDataSample],
                  return_vis: bool = False,
                  show: bool = False,
                  wait_time: float = 0,
                  draw_pred: bool = True,
                  draw_heatmap: bool = False,
                  img_out_dir: str = '',
                  **kwargs) -> Optional[List[np.ndarray]]:
        """Draw the predicted heads on the images (``inputs``: as decoded,
        (H, W, 3) uint8 BGR), to ``img_out_dir/<image file name>`` (an
        array input: ``<running number>.jpg``) and/or a window (``show``,
        ``wait_time`` seconds). Returns the (H, W, 3) uint8 RGB drawings,
        or None when nothing is drawn."""
        if not (return_vis or show or img_out_dir):
            return None
        visualizer = self._visualizer()
        drawn = []
        for image, pred in zip(inputs, preds):
            if pred.get('img_path'):
                name = osp.basename(pred.img_path)
            else:
                name = f'{self.num_visualized_imgs:08d}.jpg'
            drawn.append(visualizer.add_datasample(
                name, image[..., ::-1], pred, draw_gt=False,
                draw_pred=draw_pred, draw_heatmap=draw_heatmap, show=show,
                wait_time=wait_time,
                out_file=osp.join(img_out_dir, name) if img_out_dir else
                None))
            self.num_visualized_imgs += 1
        return drawn

    def postprocess(self,
                    preds: List[CrowdDataSample],
                    visualization: Optional[List[np.ndarray]] = None,
                    return_datasamples: bool = False,
                    print_result: bool = False,
                    pred_out_dir: str = '',
                    **kwargs) -> dict:
        """``dict(predictions=..., visualization=visualization)``: per
        image :meth:`pred2dict`, or with ``return_datasamples`` the
        ``CrowdDataSample`` (``pred_points``, ``pred_count``,
        ``pred_logits``, on the model's device). With ``pred_out_dir`` each
        image's :meth:`pred2dict` is also written to
        ``pred_out_dir/<image file stem>.json`` (an array input: its
        running number)."""
        as_dicts = [self.pred2dict(pred) for pred in preds] if (
            not return_datasamples or print_result or pred_out_dir) else []
        if pred_out_dir:
            os.makedirs(pred_out_dir, exist_ok=True)
            for pred, result in zip(preds, as_dicts):
                if pred.get('img_path'):
                    stem = osp.splitext(osp.basename(pred.img_path))[0]
                else:
                    stem = f'{self.num_predicted_imgs:08d}'
                with open(osp.join(pred_out_dir, f'{stem}.json'), 'w') as f:
                    json.dump(result, f)
                self.num_predicted_imgs += 1
        if print_result:
            print(as_dicts)
        return dict(predictions=preds if return_datasamples else as_dicts,
                    visualization=visualization)

    @staticmethod
    def pred2dict(pred: CrowdDataSample) -> dict:
        """``dict(count=int, points=[[x, y], ...])``: the predicted heads,
        (x, y) float in original-image pixels."""
        return dict(count=int(pred.pred_count),
                    points=pred.pred_points.detach().cpu().tolist())
