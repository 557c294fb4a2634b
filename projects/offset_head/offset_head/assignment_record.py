"""The cell assignment a point loss computed, kept for the offset loss.

``BasePointLoss.forward`` assigns every cell a target (and positives their
point, ``CellTargets.owner``) and returns only the scalar BCE. The offset
loss needs exactly those positives and owners. Recording what ``assign``
returned, for the duration of one call, gives them without copying the
loss's code, without running the assignment a second time (a KD-tree on
the CPU, a window search on CUDA) and without changing p2r_mm.
"""
from contextlib import contextmanager
from typing import Iterator, List

from p2r_mm.models.losses import BasePointLoss, CellTargets


class AssignmentRecord:
    """What a point loss's ``assign`` returned inside
    :func:`recorded_assignment`."""

    def __init__(self, loss_name: str) -> None:
        self.loss_name = loss_name
        self.calls: List[CellTargets] = []

    @property
    def targets(self) -> CellTargets:
        """The one assignment of the recorded call (cells flattened to
        (B * h * w,), owners indexing the batch's concatenated points)."""
        if len(self.calls) != 1:
            raise RuntimeError(
                f'{self.loss_name} assigned cells {len(self.calls)} times '
                'during one loss call; the offset loss needs exactly one '
                'assignment (a point loss whose forward does not go once '
                'through BasePointLoss.assign cannot drive offsets)')
        return self.calls[0]


@contextmanager
def recorded_assignment(loss_fn: BasePointLoss) -> Iterator[AssignmentRecord]:
    """Record the :class:`CellTargets` ``loss_fn.assign`` returns while the
    context is open.

    The instance's ``assign`` is shadowed by a recording wrapper and
    restored on exit (the class's method is untouched, so other instances
    and later calls are unaffected).
    """
    if not isinstance(loss_fn, BasePointLoss):
        raise TypeError('offsets need a point loss built on BasePointLoss '
                        '(P2RLoss, P2PLoss, ...), got '
                        f'{type(loss_fn).__name__}')
    if 'assign' in vars(loss_fn):
        raise RuntimeError(f'{type(loss_fn).__name__}.assign is already '
                           'being recorded (nested recorded_assignment)')
    record = AssignmentRecord(type(loss_fn).__name__)
    assign = loss_fn.assign

    def recording_assign(*args, **kwargs) -> CellTargets:
        targets = assign(*args, **kwargs)
        record.calls.append(targets)
        return targets

    loss_fn.assign = recording_assign
    try:
        yield record
    finally:
        del loss_fn.assign
