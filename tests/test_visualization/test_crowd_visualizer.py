import numpy as np
import torch

from p2r_mm.registry import VISUALIZERS
from p2r_mm.structures import CrowdDataSample

_count = [0]


def visualizer(**kwargs):
    _count[0] += 1  # Visualizer instances are global by name
    return VISUALIZERS.build(dict(type='CrowdVisualizer',
                                  name=f'test_vis_{_count[0]}', **kwargs))


def test_points_land_on_their_pixels_in_the_original_image():
    vis = visualizer(point_radius=2)
    # Input downscaled by 2: GT (30, 25) in the input is (60.5, 50.5) in the
    # original; predictions are already in original pixels. (Both away from
    # the count label at the top left.)
    sample = CrowdDataSample(metainfo=dict(scale_factor=(0.5, 0.5),
                                           img_shape=(50, 60)))
    sample.gt_points = torch.tensor([[30.0, 25.0]])
    sample.pred_points = torch.tensor([[90.0, 80.0]])
    sample.pred_count = 1
    image = np.zeros((100, 120, 3), np.uint8)
    out = vis.add_datasample('s', image, sample)
    assert out.shape == (100, 120, 3) and out.dtype == np.uint8
    green, red = out[51, 61], out[80, 90]
    assert green[1] > 150 and green[0] < 80  # gt colour (0, 255, 0)
    assert red[0] > 150 and red[1] < 80  # pred colour (255, 0, 0)
    assert out[90, 10].sum() == 0  # far from both: untouched
    assert out[60, 110].sum() == 0


def test_input_space_drawing_and_cutout_box():
    vis = visualizer(point_radius=1.5)
    sample = CrowdDataSample(metainfo=dict(scale_factor=(0.5, 0.5),
                                           cutout_box=(30, 30, 50, 45)))
    sample.gt_points = torch.tensor([[10.0, 52.0]])
    out = vis.add_datasample('s', np.zeros((64, 64, 3), np.uint8), sample,
                             in_input_space=True)
    assert out[52, 10, 1] > 150  # unmapped point
    assert out[30:46, 30].max() > 100 and out[38, 40].sum() == 0  # box edge


def test_heatmap_follows_the_probability_map():
    vis = visualizer()
    sample = CrowdDataSample()
    logits = torch.full((1, 4, 4), -10.0)
    logits[0, 0, 0] = 10.0  # confident top-left cell only
    sample.pred_logits = logits
    out = vis.add_datasample('s', np.zeros((64, 64, 3), np.uint8), sample,
                             draw_pred=False, draw_heatmap=True)
    # JET: high probability is red, low is blue.
    assert out[4, 4, 0] > out[4, 4, 2] and out[60, 60, 2] > out[60, 60, 0]


def test_writes_the_file(tmp_path):
    vis = visualizer()
    sample = CrowdDataSample()
    sample.pred_points = torch.tensor([[5.0, 5.0]])
    sample.pred_count = 1
    out_file = tmp_path / 'sub' / 'x.jpg'
    vis.add_datasample('s', np.zeros((32, 32, 3), np.uint8), sample,
                       out_file=str(out_file))
    assert out_file.is_file()


def test_psam_overlay_marks_the_point_over_a_jet_map():
    from p2r_mm.visualization import CrowdVisualizer
    image = np.full((40, 60, 3), 128, np.uint8)
    psam = torch.zeros(40, 60)
    psam[5:15, 40:50] = 2.0  # the map's maximum: red in JET
    out = CrowdVisualizer.psam_overlay(image, psam, (20.2, 30.0), radius=8,
                                       alpha=0.5)
    assert out.shape == image.shape and out.dtype == np.uint8
    hot, cold = out[10, 45].astype(int), out[35, 5].astype(int)
    assert hot[0] > hot[2] + 50  # red over the grey
    assert cold[2] > cold[0] + 50  # blue (the zero end of JET)
    assert (out[30, 20] == 255).all()  # the white cross at (20, 30)
    assert (out[30, 28] == 255).all()  # the circle, 8 px to its right
    # An all-zero map (no support) still blends, without dividing by 0.
    flat = CrowdVisualizer.psam_overlay(image, torch.zeros(40, 60), (1, 1))
    assert flat.shape == image.shape
