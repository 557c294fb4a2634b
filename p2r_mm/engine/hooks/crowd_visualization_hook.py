"""Saves or logs drawn predictions during validation and testing."""
import os.path as osp
from typing import Optional, Sequence

import mmcv
from mmengine.hooks import Hook
from mmengine.utils import mkdir_or_exist
from mmengine.visualization import Visualizer

from p2r_mm.registry import HOOKS


def read_rgb(path: str):
    """(H, W, 3) uint8 RGB: the stored pixel grid, as LoadCrowdImage reads
    it (points refer to it even when the file carries an EXIF rotation)."""
    # mmcv's channel_order='rgb' converts only with its plain 'color' flag,
    # so the BGR image of this flag is converted here.
    return mmcv.bgr2rgb(mmcv.imread(path, flag='color_ignore_orientation'))


@HOOKS.register_module()
class CrowdVisualizationHook(Hook):
    """Draws samples with the runner's visualiser (a ``CrowdVisualizer``).

    Validation: every ``interval``-th batch's first image goes to the
    visualiser's backends when ``draw``. Testing: every image is drawn into
    ``test_out_dir`` (relative to the run's log dir unless absolute).
    """

    def __init__(self,
                 draw: bool = False,
                 interval: int = 50,
                 show: bool = False,
                 wait_time: float = 0.,
                 test_out_dir: Optional[str] = None) -> None:
        self.draw = draw
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self._visualizer = Visualizer.get_current_instance()

    def after_val_iter(self, runner, batch_idx: int, data_batch: dict,
                       outputs: Sequence) -> None:
        if not self.draw or batch_idx % self.interval:
            return
        sample = outputs[0]
        image = read_rgb(sample.img_path)
        self._visualizer.add_datasample(
            osp.basename(sample.img_path), image, sample, show=self.show,
            wait_time=self.wait_time, step=runner.iter)

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence) -> None:
        if not self.draw:
            return
        out_dir = None
        if self.test_out_dir is not None:
            out_dir = osp.join(runner.log_dir, self.test_out_dir)
            mkdir_or_exist(out_dir)
        for sample in outputs:
            image = read_rgb(sample.img_path)
            name = osp.basename(sample.img_path)
            self._visualizer.add_datasample(
                name, image, sample, show=self.show,
                wait_time=self.wait_time,
                out_file=osp.join(out_dir, name) if out_dir else None)
