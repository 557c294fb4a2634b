"""The bad-sample protocol: how a training dataset replaces a sample that
cannot be loaded, and how the main process learns of it.

This module is the whole seam; the dataset and the hook call its functions
and read nothing of each other:

- producer: in training, :class:`~p2r_mm.datasets.BaseCrowdDataset`
  fetches every sample through :func:`prepare_or_replace`, which replaces a
  sample that raises one of :data:`SAMPLE_ERRORS` (bad data, not a bug) by
  a random other one and warns once per file and process;
- carrier: that happens in a dataloader worker, whose counters the main
  process cannot see, so the failures ride along with the replacement:
  :func:`mark_replaced` records them on the first data sample of the
  returned item (metainfo :data:`REPLACED_KEY`, a list of
  :class:`SampleFailure`), which survives collation and worker pickling;
- consumer: ``BadSampleLimitHook`` reads them from each batch with
  :func:`replaced_in_batch`, counts them per epoch and stops the run above
  its limit.
"""
from typing import Iterator, List, NamedTuple, Sequence

from mmengine.structures import BaseDataElement

from .image_integrity import DamagedImageError
from .load_problems import first_few, warn

REPLACED_KEY = 'replaced_samples'

#: What a sample may raise for bad data rather than a bug: the file is
#: missing or unreadable (``OSError``) or its content is damaged.
SAMPLE_ERRORS = (OSError, DamagedImageError)


class SampleFailure(NamedTuple):
    """One failed try to load a training sample."""
    img_path: str
    reason: str  # '<exception type>: <message>'

    @classmethod
    def of(cls, img_path, error: Exception) -> 'SampleFailure':
        return cls(str(img_path), f'{type(error).__name__}: {error}')

    def __str__(self) -> str:
        return f'{self.img_path} ({self.reason})'


def prepare_or_replace(dataset, idx: int) -> dict:
    """The ``idx``-th training sample of an MMEngine ``BaseDataset``
    (``prepare_data``, ``get_data_info``, ``_rand_another``,
    ``max_refetch``) that also has ``describe()`` (its name in messages).

    A sample that raises one of :data:`SAMPLE_ERRORS`, or whose pipeline
    returns None, is replaced by a random other one, within
    ``max_refetch + 1`` tries as MMEngine does; the failures are recorded
    on the replacement (:func:`mark_replaced`).

    Raises:
        RuntimeError: no sample loaded in all the tries (the last failures
            named).
    """
    failures: List[SampleFailure] = []
    for _ in range(dataset.max_refetch + 1):
        try:
            data = dataset.prepare_data(idx)
        except SAMPLE_ERRORS as e:
            failure = SampleFailure.of(
                dataset.get_data_info(idx).get('img_path'), e)
            failures.append(failure)
            _warn_once(dataset, failure)
            data = None
        if data is not None:
            if failures:
                mark_replaced(data, failures)
            return data
        idx = dataset._rand_another()
    shown = first_few([str(f) for f in failures[::-1]], 3)
    raise RuntimeError(
        f'{dataset.describe()}: no training sample could be loaded in '
        f'{dataset.max_refetch + 1} tries'
        + (f'; last failures: {shown}' if failures else ''))


def _warn_once(dataset, failure: SampleFailure) -> None:
    # Per dataset object, so once per file and dataloader worker.
    warned = dataset.__dict__.setdefault('_replaced_warned', set())
    if failure.img_path not in warned:
        warned.add(failure.img_path)
        warn(f'{dataset.describe()}: training sample {failure.img_path} '
             f'replaced by another one: {failure.reason}')


def _data_elements(obj) -> Iterator[BaseDataElement]:
    """Every data element in a (possibly nested) dict / list / tuple, in
    order."""
    if isinstance(obj, BaseDataElement):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _data_elements(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _data_elements(value)


def mark_replaced(data: dict, failures: Sequence[tuple]) -> bool:
    """Record ``failures`` ((img_path, reason) pairs) on the first data
    sample of the pipeline output ``data`` (``data['data_samples']``: one
    sample, or a dict of branches for a multi-branch pipeline). Returns
    whether one was found."""
    for element in _data_elements(data.get('data_samples')):
        before = list(element.metainfo.get(REPLACED_KEY, []))
        element.set_metainfo({
            REPLACED_KEY: before + [SampleFailure(*f) for f in failures]})
        return True
    return False


def replaced_in_batch(data_batch) -> List[SampleFailure]:
    """The failures recorded on the data samples of a collated batch."""
    if not isinstance(data_batch, dict):
        return []
    found = []
    for element in _data_elements(data_batch.get('data_samples')):
        found += [SampleFailure(*f)
                  for f in element.metainfo.get(REPLACED_KEY, [])]
    return found
