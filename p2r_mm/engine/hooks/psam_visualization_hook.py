"""PSAMs of a few fixed images during training, to watch over-activation
(the model "seeing heads everywhere") appear in a semi-supervised run."""
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from p2r_mm.datasets.image_inputs import build_image_pipelines, prepare_image
from p2r_mm.registry import HOOKS
from p2r_mm.visualization.crowd_visualizer import CrowdVisualizer
from p2r_mm.visualization.psam import compute_psam
from p2r_mm.visualization.psam_spread import model_radius_range, psam_spread

DEFAULT_PIPELINE = [dict(type='LoadCrowdImage'),
                    dict(type='PackCrowdInputs')]


@HOOKS.register_module()
class PSAMVisualizationHook(Hook):
    """Every ``interval`` training epochs (or iterations), the PSAMs of the
    ``top_k`` highest-logit cells of a few fixed images.

    Per image (tag ``t``): one image ``psam_<t>`` (the top-k overlays side
    by side) through ``runner.visualizer.add_image`` (local files,
    TensorBoard, ... backends), the mean spread scalars as message-hub
    scalars ``psam/<t>_mass_within`` and ``psam/<t>_effective_area``, sent
    to the visualiser's backends too, and one log line. Runs on the main
    process only; any failure is logged as a warning and training goes on.

    Args:
        interval (int): every this many epochs (iterations).
        by_epoch (bool): count epochs (after each training epoch) or
            iterations.
        images (list[str], optional): image files (tag: file stem). By
            default the first labelled and the first unlabelled sample of
            the training set (tags ``labeled``/``unlabeled``).
        pipeline (list[dict], optional): how images are loaded; default:
            the val (else test) dataloader's pipeline without
            ``LoadCrowdAnnotations``, else load and pack.
        top_k (int): query points per image.
        layer (str): module path of F, relative to the counter.
        radius (float, optional): mass_within radius in pixels; default:
            each point's P2R radius.
        alpha (float): heat-map opacity.
        max_scan (int): samples of the training set looked at to find a
            labelled and an unlabelled one.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 by_epoch: bool = True,
                 images: Optional[Sequence[str]] = None,
                 pipeline: Optional[List[dict]] = None,
                 top_k: int = 3,
                 layer: str = 'neck',
                 radius: Optional[float] = None,
                 alpha: float = 0.5,
                 max_scan: int = 1000) -> None:
        if interval < 1 or top_k < 1:
            raise ValueError('interval and top_k must be positive')
        self.interval = interval
        self.by_epoch = by_epoch
        self.images = list(images) if images else None
        self.pipeline = pipeline
        self.top_k = top_k
        self.layer = layer
        self.radius = radius
        self.alpha = alpha
        self.max_scan = max_scan
        self._targets = None  # [(tag, img_path)], found once

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and self.every_n_epochs(runner, self.interval):
            self._safe_run(runner, runner.epoch + 1)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not self.by_epoch and self.every_n_train_iters(
                runner, self.interval):
            self._safe_run(runner, runner.iter + 1)

    def _safe_run(self, runner, step: int) -> None:
        if not is_main_process():
            return
        try:
            self._run(runner, step)
        except Exception as e:  # a diagnosis must never stop training
            runner.logger.warning(
                f'PSAMVisualizationHook skipped at step {step}: {e!r}')

    def _run(self, runner, step: int) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        pipelines = build_image_pipelines(self._pipeline_cfg(runner))
        for tag, path in self._find_targets(runner):
            inputs, sample, image = prepare_image(model, path, pipelines)
            img_shape = sample.metainfo['img_shape'][:2]
            result = compute_psam(model, inputs, top_k=self.top_k,
                                  layer=self.layer, img_shape=img_shape)
            spread = psam_spread(result, radius=self.radius,
                                 **model_radius_range(model))
            panels = [
                CrowdVisualizer.psam_overlay(
                    image, result.maps[k], result.points[k].tolist(),
                    float(spread['radius'][k]), self.alpha)
                for k in range(len(result.points))
            ]
            runner.visualizer.add_image(f'psam_{tag}',
                                        np.concatenate(panels, axis=1), step)
            scalars = {
                f'psam/{tag}_{key}': float(np.nanmean(
                    spread[key].cpu().numpy()))
                for key in ('mass_within', 'effective_area')
            }
            for key, value in scalars.items():
                runner.message_hub.update_scalar(key, value)
            runner.visualizer.add_scalars(scalars, step=step)
            runner.logger.info(
                f'PSAM {tag} (top {len(panels)}, layer {self.layer}): '
                f'mass_within {scalars[f"psam/{tag}_mass_within"]:.3f}, '
                f'effective_area '
                f'{scalars[f"psam/{tag}_effective_area"]:.0f} px')

    def _pipeline_cfg(self, runner) -> List[dict]:
        if self.pipeline is not None:
            return self.pipeline
        for key in ('val_dataloader', 'test_dataloader'):
            loader = runner.cfg.get(key)
            dataset = loader.get('dataset') if isinstance(
                loader, dict) else None
            if isinstance(dataset, dict) and dataset.get('pipeline'):
                return dataset['pipeline']
        return DEFAULT_PIPELINE

    def _find_targets(self, runner) -> list:
        if self._targets is not None:
            return self._targets
        if self.images:
            self._targets = [(osp.splitext(osp.basename(p))[0], p)
                             for p in self.images]
            return self._targets
        dataset = runner.train_dataloader.dataset
        found = {}
        # A ConcatDataset (SemiCrowdDataset) holds labelled and unlabelled
        # parts; a plain dataset may mix both (``labeled`` flags).
        for part in getattr(dataset, 'datasets', [dataset]):
            for i in range(min(len(part), self.max_scan)):
                info = part.get_data_info(i)
                tag = 'labeled' if info.get('labeled', True) else \
                    'unlabeled'
                found.setdefault(tag, info['img_path'])
                if len(found) == 2:
                    break
            if len(found) == 2:
                break
        if not found:
            raise ValueError('the training set is empty')
        self._targets = sorted(found.items())
        return self._targets
