"""MMDetection's mean-teacher EMA, with the teacher's start chosen by the
model."""
from mmdet.engine.hooks import MeanTeacherHook as MMDetMeanTeacherHook
from mmengine.model import is_model_wrapper

from p2r_mm.registry import HOOKS


@HOOKS.register_module()
class MeanTeacherHook(MMDetMeanTeacherHook):
    """``mmdet.MeanTeacherHook`` (the teacher's parameters, and buffers
    unless ``skip_buffer``, follow the student by EMA after every
    ``interval`` steps) that copies the student into the teacher at
    iteration 0 only when the model's ``teacher_init`` is ``'copy'``.

    mmdet's hook always makes that copy, which would undo
    ``SemiPointCounter(semi_train_cfg=dict(teacher_init='independent'))``:
    the official P2R code starts the teacher from its own initialisation
    and never copies the student into it (see ``docs/recipe.md``).

    Args:
        momentum (float): weight of the student in each update
            (``teacher = (1 - momentum) * teacher + momentum * student``).
        interval (int): update every ``interval`` iterations.
        skip_buffer (bool): update the parameters only, not BN buffers.
    """

    def before_train(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        if getattr(model, 'teacher_init', 'copy') == 'copy':
            super().before_train(runner)
            return
        for name in ('teacher', 'student'):
            if not hasattr(model, name):
                raise AttributeError(
                    f'MeanTeacherHook needs a model with a {name!r} '
                    f'attribute, got {type(model).__name__}')
