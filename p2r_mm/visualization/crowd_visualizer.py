"""Draws true and predicted heads and counts on an image, and PSAMs."""
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.visualization import Visualizer

from p2r_mm.registry import VISUALIZERS
from p2r_mm.structures import CrowdDataSample, input_to_original


@VISUALIZERS.register_module()
class CrowdVisualizer(Visualizer):
    """MMEngine ``Visualizer`` for crowd counting.

    :meth:`add_datasample` draws ground-truth points (``gt_color``) and
    predicted points (``pred_color``) on the *original* image, and the
    counts as text, optionally over the predicted probability map as a heat
    map, then shows, saves (``out_file``) or sends the result to the
    visualiser's backends. With ``in_input_space=True`` it draws a
    pipeline's output instead (the network input and its ``gt_points`` as
    they are, plus the cutout box of a strong view), for checking data.
    :meth:`psam_overlay` draws a PSAM (see :mod:`p2r_mm.visualization.psam`)
    over the network input.

    Args:
        point_radius (float, optional): marker radius in pixels; by default
            scaled with the image (0.4 % of its diagonal, at least 2 px).
        gt_color, pred_color (tuple): RGB colours.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[list] = None,
                 save_dir: Optional[str] = None,
                 point_radius: Optional[float] = None,
                 gt_color: tuple = (0, 255, 0),
                 pred_color: tuple = (255, 0, 0)) -> None:
        super().__init__(name=name, image=image, vis_backends=vis_backends,
                         save_dir=save_dir)
        self.point_radius = point_radius
        self.gt_color = gt_color
        self.pred_color = pred_color

    def _radius(self, image: np.ndarray) -> float:
        if self.point_radius is not None:
            return self.point_radius
        return max(2.0, 0.004 * float(np.hypot(*image.shape[:2])))

    def _draw_points(self, points: np.ndarray, color, radius: float) -> None:
        if len(points):
            self.draw_circles(points, np.full(len(points), radius),
                              edge_colors=[color], face_colors=[color],
                              alpha=0.9)

    @staticmethod
    def heatmap_overlay(image: np.ndarray, logits, alpha: float = 0.5
                        ) -> np.ndarray:
        """Blend the probability map sigmoid(``logits``) (1, h, w), stretched
        to the image, over ``image`` (H, W, 3) RGB as a JET heat map."""
        prob = logits.float().sigmoid().cpu().numpy().reshape(
            logits.shape[-2:])
        prob = cv2.resize(prob, image.shape[1::-1],
                          interpolation=cv2.INTER_LINEAR)
        return _blend_jet(image, prob, alpha)

    @staticmethod
    def psam_overlay(image: np.ndarray,
                     psam: torch.Tensor,
                     point: Sequence[float],
                     radius: Optional[float] = None,
                     alpha: float = 0.5) -> np.ndarray:
        """Blend a PSAM, as a JET heat map scaled to its maximum, over an
        image and mark the query point (and the ``radius`` circle).

        Args:
            image (np.ndarray): (H, W, 3) uint8 RGB.
            psam (Tensor): (H, W) map in the image's pixels.
            point (Sequence[float]): (x, y) pixels.
            radius (float, optional): circle radius, pixels.

        Returns:
            np.ndarray: (H, W, 3) uint8 RGB.
        """
        m = torch.as_tensor(psam).detach().float().cpu().numpy()
        m = m / m.max() if m.max() > 0 else m
        out = _blend_jet(image, m, alpha)
        x, y = (int(round(float(v))) for v in point)
        size = max(6, int(0.03 * max(out.shape[:2])))
        cv2.drawMarker(out, (x, y), (255, 255, 255), cv2.MARKER_CROSS, size,
                       2)
        if radius is not None:
            cv2.circle(out, (x, y), int(round(float(radius))),
                       (255, 255, 255), 1)
        return out

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[CrowdDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       draw_heatmap: bool = False,
                       in_input_space: bool = False,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0) -> np.ndarray:
        """Draw one sample.

        Args:
            image (np.ndarray): (H, W, 3) RGB original image (network input
                when ``in_input_space``).
            data_sample (CrowdDataSample): with ``gt_points`` (network-input
                pixels, mapped back with the sample's metainfo unless
                ``in_input_space``) and/or ``pred_points`` (original-image
                pixels) and ``pred_logits`` (for ``draw_heatmap``).
            draw_heatmap (bool): blend the predicted probability map under
                the points.
            in_input_space (bool): ``image`` is the network input; draw
                ``gt_points`` unmapped and the ``cutout_box`` if any.

        Returns:
            np.ndarray: the drawn (H, W, 3) RGB image.
        """
        if (draw_heatmap and data_sample is not None
                and data_sample.get('pred_logits') is not None):
            image = self.heatmap_overlay(image, data_sample.pred_logits)
        self.set_image(image)
        radius = self._radius(image)
        # What to draw, in original-image pixels (or input pixels).
        gt = pred = box = None
        texts = []
        if data_sample is not None:
            meta = data_sample.metainfo
            gt = data_sample.get('gt_points')
            if draw_gt and gt is not None and meta.get('has_gt', True):
                gt = gt.float().cpu()
                if not in_input_space:
                    gt = input_to_original(
                        gt, meta.get('scale_factor', (1.0, 1.0)),
                        flip=meta.get('flip', False),
                        input_width=meta.get('img_shape', (0, 0))[1])
                texts.append(f'GT {len(gt)}')
            else:
                gt = None
            box = meta.get('cutout_box') if in_input_space else None
            if box is not None:
                texts.append('cutout')
            pred = data_sample.get('pred_points') if draw_pred else None
            if pred is not None:
                texts.append(f'Pred {int(data_sample.pred_count)}')
        # The label first, so that no point hides under it.
        if texts:
            self.draw_texts(
                '  '.join(texts), np.array([5.0, 5.0]), colors='white',
                font_sizes=max(10, int(radius * 4)),
                bboxes=dict(facecolor='black', alpha=0.6, pad=2))
        if box is not None:
            self.draw_bboxes(np.array([box], dtype=np.float32),
                             edge_colors='yellow', line_widths=2)
        if gt is not None:
            self._draw_points(gt.numpy(), self.gt_color, radius)
        if pred is not None:
            self._draw_points(pred.cpu().numpy(), self.pred_color,
                              radius * 0.6)
        drawn = self.get_image()
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            import mmcv
            mmcv.imwrite(drawn[..., ::-1], out_file)
        else:
            self.add_image(name, drawn, step)
        return drawn


def _blend_jet(image: np.ndarray, values: np.ndarray,
               alpha: float) -> np.ndarray:
    """``values`` (H, W) in [0, 1] as a JET heat map blended over ``image``
    (H, W, 3) uint8 RGB with opacity ``alpha``."""
    heat = cv2.applyColorMap(np.uint8(np.clip(values, 0, 1) * 255),
                             cv2.COLORMAP_JET)
    heat = cv2.cvtColor(heat, cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(np.ascontiguousarray(image), 1 - alpha, heat,
                           alpha, 0)
