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

    The state is a function of the epoch alone, so a resumed run gets it
    right without saving it.
    """

    def __init__(self,
                 burn_in_epochs: int = 50,
                 step: float = 0.01,
                 max_weight: float = 2.0) -> None:
        if burn_in_epochs < 0 or step < 0 or max_weight < 0:
            raise ValueError('burn_in_epochs, step and max_weight must be '
                             'non-negative')
        self.burn_in_epochs = burn_in_epochs
        self.step = step
        self.max_weight = max_weight

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
