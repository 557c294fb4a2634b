"""Training samples that failed to load, carried to the main process.

A training dataset replaces a sample whose image cannot be read or decoded
by another one (:meth:`BaseCrowdDataset.__getitem__`). That happens in a
dataloader worker, whose counters the main process cannot see, so the
failures ride along with the replacement: the first data sample of the
returned item gets the metainfo field :data:`REPLACED_KEY`, a list of
``(img_path, reason)``. ``BadSampleLimitHook`` reads them from each batch,
counts them per epoch and stops the run above its limit.
"""
from typing import Iterator, List, Tuple

from mmengine.structures import BaseDataElement

from .image_integrity import DamagedImageError

REPLACED_KEY = 'replaced_samples'

#: What a sample may raise for bad data rather than a bug: the file is
#: missing or unreadable (``OSError``) or its content is damaged.
SAMPLE_ERRORS = (OSError, DamagedImageError)

Failure = Tuple[str, str]


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


def mark_replaced(data: dict, failures: List[Failure]) -> bool:
    """Record ``failures`` on the first data sample of the pipeline output
    ``data`` (``data['data_samples']``: one sample, or a dict of branches
    for a multi-branch pipeline). Returns whether one was found."""
    for element in _data_elements(data.get('data_samples')):
        before = list(element.metainfo.get(REPLACED_KEY, []))
        element.set_metainfo({REPLACED_KEY: before + list(failures)})
        return True
    return False


def replaced_in_batch(data_batch) -> List[Failure]:
    """The failures recorded on the data samples of a collated batch."""
    if not isinstance(data_batch, dict):
        return []
    found = []
    for element in _data_elements(data_batch.get('data_samples')):
        found += [tuple(f) for f in element.metainfo.get(REPLACED_KEY, [])]
    return found
