"""The weight of the unlabelled loss over training (burn-in, then a ramp)."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from p2r_mm.registry import HOOKS


@HOOKS.register_module()
class UnsupWeightHook(Hook):
    """Sets ``model.unsup_weight`` and ``model.unsup_started`` before every
    training epoch (0-based ``epoch``):

    - ``unsup_started = epoch >= burn_in_epochs``: the unlabelled branch
      runs from the first epoch after the burn-in on;
    - ``w = min(max_weight, step * (epoch - burn_in_epochs))`` from then on,
      0 before.

    This is the official P2R schedule (``main.py``: the unlabelled branch
    runs when ``epoch >= 50``, with ``w = min(max((epoch - 50) * 0.01, 0),
    2)``): the first epoch after the burn-in runs the branch at w = 0 (it
    moves only the BN statistics), w reaches 2 at epoch 250.

    ``restart_teacher=True``: when the branch starts (the first epoch
    after the burn-in), the teacher becomes a copy of the student, weights
    and BN statistics, as Unbiased Teacher does at the end of its burn-in
    (Liu et al., ICLR 2021); the EMA goes on from there. Without it, the
    teacher at that point is an average over the student's burn-in
    trajectory, which for a network trained from scratch still carries
    its random initialisation (the synthetic benchmark's case: see
    docs/results_synthetic.md). The official recipe does not restart (its
    network starts from ImageNet weights and its teacher has 950 steps to
    follow), so the paper configs keep the default False.

    The weight is a function of the epoch alone, so a resumed run gets it
    right without saving it; the restart happens in ``before_train_epoch``
    of the branch's first epoch, so a run resumed at that epoch restarts
    the teacher too, and one resumed later keeps its saved teacher.
    """

    def __init__(self,
                 burn_in_epochs: int = 50,
                 step: float = 0.01,
                 max_weight: float = 2.0,
                 restart_teacher: bool = False) -> None:
        if burn_in_epochs < 0 or step < 0 or max_weight < 0:
            raise ValueError('burn_in_epochs, step and max_weight must be '
                             'non-negative')
        self.burn_in_epochs = burn_in_epochs
        self.step = step
        self.max_weight = max_weight
        self.restart_teacher = bool(restart_teacher)

    def weight_at(self, epoch: int) -> float:
        """w for the 0-based ``epoch``."""
        if epoch < self.burn_in_epochs:
            return 0.0
        return min(self.max_weight, self.step * (epoch - self.burn_in_epochs))

    def started_at(self, epoch: int) -> bool:
        """Whether the unlabelled branch runs in the 0-based ``epoch``."""
        return epoch >= self.burn_in_epochs

    def before_train_epoch(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not hasattr(model, 'unsup_weight'):
            raise AttributeError(
                f'UnsupWeightHook needs a model with `unsup_weight` (e.g. '
                f'SemiPointCounter), got {type(model).__name__}')
        model.unsup_weight = self.weight_at(runner.epoch)
        model.unsup_started = self.started_at(runner.epoch)
        if self.restart_teacher and runner.epoch == self.burn_in_epochs:
            model.teacher.load_state_dict(model.student.state_dict())
            runner.logger.info(
                f'epoch {runner.epoch}: the unlabelled branch starts; the '
                'teacher restarts as a copy of the student')
