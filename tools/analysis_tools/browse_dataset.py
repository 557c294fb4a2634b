"""Save what the training pipeline feeds the model, points drawn, to check
data before training: python tools/analysis_tools/browse_dataset.py CONFIG.

Semi-supervised configs show every branch of a sample side by side: the
labelled crop, or the unlabelled crop's weak (teacher) and strong (student)
views, the strong one with its cutout box.
"""
import argparse
import os.path as osp

import mmcv
import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar, mkdir_or_exist

from p2r_mm.registry import DATASETS, VISUALIZERS


def parse_args():
    parser = argparse.ArgumentParser(description='Browse a dataset')
    parser.add_argument('config')
    parser.add_argument('--output-dir', default='work_dirs/browse_dataset')
    parser.add_argument('--phase', default='train',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--num', type=int, default=10,
                        help='number of samples to save')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def branches(item):
    """(name, input tensor, data sample) of every non-empty branch."""
    inputs, samples = item['inputs'], item['data_samples']
    if not isinstance(inputs, dict):
        return [('', inputs, samples)]
    return [(name, inputs[name], samples[name]) for name in inputs
            if inputs[name] is not None]


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'p2r_mm'))
    dataset = DATASETS.build(cfg[f'{args.phase}_dataloader'].dataset)
    visualizer = VISUALIZERS.build(
        dict(type='CrowdVisualizer', name='browse_dataset'))
    mkdir_or_exist(args.output_dir)
    bar = ProgressBar(min(args.num, len(dataset)))
    # Spread the picks over the dataset, so both sources of a
    # semi-supervised ConcatDataset appear.
    for idx in np.linspace(0, len(dataset) - 1,
                           min(args.num, len(dataset))).astype(int):
        panels = []
        parts = branches(dataset[int(idx)])
        for name, image, sample in parts:
            rgb = image.permute(1, 2, 0).numpy()[..., ::-1].copy()
            panels.append(visualizer.add_datasample(
                name, rgb, sample, draw_pred=False, in_input_space=True))
        height = max(p.shape[0] for p in panels)
        row = np.concatenate(
            [mmcv.impad(p, shape=(height, p.shape[1])) for p in panels],
            axis=1)
        stem = osp.splitext(osp.basename(parts[0][2].img_path))[0]
        mmcv.imwrite(row[..., ::-1],
                     osp.join(args.output_dir, f'{idx:05d}_{stem}.jpg'))
        bar.update()
    print(f'\nSaved to {args.output_dir}')


if __name__ == '__main__':
    main()
