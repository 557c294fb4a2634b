"""PSAMVisualizationHook inside a short semi-supervised Runner training run,
and on its own (iteration mode, explicit images, failures)."""
import json
import uuid
from types import SimpleNamespace

from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger
from mmengine.runner import Runner
from mmengine.visualization import Visualizer

from p2r_mm.engine.hooks import PSAMVisualizationHook
from ...test_datasets.fake_crowd_data import (captured_warnings,
                                              make_shanghaitech, write_image)
from ...test_models.test_counters.test_point_counter import narrow_counter
from ...test_tools.test_semi_training import TINY_SEMI
from ...test_tools.test_train_test_tools import REPO


def test_hook_in_a_semi_supervised_training_run(tmp_path):
    root = tmp_path / 'part_A'
    make_shanghaitech(str(root), n_train=6, n_test=1)
    config = tmp_path / 'tiny_semi.py'
    config.write_text(TINY_SEMI.format(repo=REPO, root=root, method='p2r'))
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(tmp_path / 'work')
    dataset = cfg.train_dataloader.dataset
    for t in dataset.labeled_pipeline + dataset.unlabeled_pipeline:
        if t['type'] == 'RandomScaleCrop':
            t['crop_size'] = (64, 64)  # small crops: a fast run
    cfg.experiment_name = f'psam-{uuid.uuid4().hex}'
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=5)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=5,
                                        save_last=False)
    cfg.custom_hooks = [
        dict(type='mmdet.MeanTeacherHook', momentum=0.002,
             skip_buffer=False),
        dict(type='UnsupWeightHook', burn_in_epochs=0, step=0.5),
        dict(type='PSAMVisualizationHook', top_k=2),
    ]
    runner = Runner.from_cfg(cfg)
    runner.train()
    # The unlabelled pool is every train image (6), 2 per batch.
    assert runner.iter == 3

    images = {p.name: p for p in (tmp_path / 'work').rglob('psam_*.png')}
    assert set(images) == {'psam_labeled_1.png', 'psam_unlabeled_1.png'}
    import mmcv
    drawn = mmcv.imread(str(images['psam_labeled_1.png']))
    sample = runner.train_dataloader.dataset.datasets[0].get_data_info(0)
    assert drawn.shape == (sample['height'], 2 * sample['width'], 3)
    hub = runner.message_hub
    for tag in ('labeled', 'unlabeled'):
        within = hub.get_scalar(f'psam/{tag}_mass_within').current()
        area = hub.get_scalar(f'psam/{tag}_effective_area').current()
        assert 0 <= within <= 1 and area >= 1
    scalars = next((tmp_path / 'work').rglob('scalars.json')).read_text()
    logged = [json.loads(line) for line in scalars.splitlines()]
    assert any('psam/unlabeled_mass_within' in r for r in logged)
    log = next((tmp_path / 'work').rglob('*.log')).read_text()
    assert 'PSAM labeled (top 2, layer neck): mass_within' in log


def fake_runner(tmp_path, model, iteration):
    name = uuid.uuid4().hex
    return SimpleNamespace(
        model=model, cfg=Config(), iter=iteration, epoch=0,
        train_dataloader=None, logger=MMLogger.get_current_instance(),
        message_hub=MessageHub.get_instance(name),
        visualizer=Visualizer.get_instance(
            name, vis_backends=[dict(type='LocalVisBackend')],
            save_dir=str(tmp_path / 'vis')))


def test_iteration_mode_with_given_images(tmp_path):
    image = tmp_path / 'street.jpg'
    write_image(str(image), 40, 30)
    hook = PSAMVisualizationHook(interval=2, by_epoch=False,
                                 images=[str(image)], top_k=3, radius=6.0)
    runner = fake_runner(tmp_path, narrow_counter(), iteration=0)
    hook.after_train_epoch(runner)  # counts iterations: nothing
    hook.after_train_iter(runner, 0)  # iteration 1 of every 2: nothing
    assert not (tmp_path / 'vis').exists()
    runner.iter = 1
    hook.after_train_iter(runner, 1)
    saved = list((tmp_path / 'vis').rglob('*.png'))
    assert [p.name for p in saved] == ['psam_street_2.png']
    assert runner.message_hub.get_scalar(
        'psam/street_effective_area').current() >= 1


def test_a_failure_is_a_warning_not_a_crash(tmp_path):
    image = tmp_path / 'street.jpg'
    write_image(str(image), 40, 30)
    hook = PSAMVisualizationHook(images=[str(image)], layer='no.such.layer')
    runner = fake_runner(tmp_path, narrow_counter(), iteration=0)
    with captured_warnings() as warnings:
        hook.after_train_epoch(runner)
    assert len(warnings) == 1 and 'no.such.layer' in warnings[0]
    assert 'PSAMVisualizationHook skipped' in warnings[0]
