"""The trained models that ship inside the package (``p2r_mm/weights/``),
so that a fresh install counts people without a download.

A shipped model is two files written by
``tools/model_converters/publish_model.py``: ``<name>.py``, a config that
holds only what inference needs (the model and the test pipeline), and
``<name>-<sha256[:8]>.pth``, its weights alone (plain tensors: they load
with ``weights_only=True``), named by the first 8 hex digits of the file's
SHA-256 so that a changed file cannot pass for the published one.
"""
import glob
import hashlib
import os.path as osp
import re
from typing import Dict, Optional, Tuple

#: Where the shipped files lie (package data).
WEIGHTS_DIR = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                       'weights')
#: The model of ``init_counter()`` and the demos without a config.
DEFAULT_MODEL = 'shb_cpu_demo'
WEIGHTS_NAME = re.compile(r'^(?P<name>[\w.]+)-(?P<sha>[0-9a-f]{8})\.pth$')


def shipped_models(folder: Optional[str] = None
                   ) -> Dict[str, Tuple[str, str]]:
    """``{name: (config file, weights file)}`` of the models in ``folder``
    (default :data:`WEIGHTS_DIR`); a weights file without its config is
    left out.

    Raises:
        ValueError: two weights files of one name (publish_model.py
            replaces a name's file; a left-over one is ambiguous).
    """
    folder = folder or WEIGHTS_DIR
    found = {}
    for path in sorted(glob.glob(osp.join(folder, '*.pth'))):
        m = WEIGHTS_NAME.match(osp.basename(path))
        config = m and osp.join(folder, f"{m['name']}.py")
        if config and osp.isfile(config):
            if m['name'] in found:
                raise ValueError(
                    f"{folder}: two weights files of the shipped model "
                    f"{m['name']!r}: {osp.basename(found[m['name']][1])} "
                    f'and {osp.basename(path)}; keep one')
            found[m['name']] = (config, path)
    return found


def is_shipped_name(model) -> bool:
    """Whether ``model`` names a shipped model rather than a config file:
    a string without a path separator or a config extension that names
    no existing file."""
    return (isinstance(model, str) and osp.basename(model) == model
            and not osp.exists(model) and osp.splitext(model)[1]
            not in ('.py', '.json', '.yaml', '.yml'))


def shipped_model(name: Optional[str] = None,
                  folder: Optional[str] = None,
                  verify: bool = True) -> Tuple[str, str]:
    """``(config file, weights file)`` of the shipped model ``name``
    (default :data:`DEFAULT_MODEL`).

    Raises:
        ValueError: no shipped model of that name (the message lists
            those there are), or ``verify`` and the weights file's SHA-256
            does not start with the 8 digits in its name.
    """
    name = name or DEFAULT_MODEL
    models = shipped_models(folder)
    if name not in models:
        there = ', '.join(models) or 'none'
        raise ValueError(
            f'no shipped model {name!r} in {folder or WEIGHTS_DIR} (shipped: '
            f'{there}); give a config file and a checkpoint instead')
    config, weights = models[name]
    if verify:
        expected = WEIGHTS_NAME.match(osp.basename(weights))['sha']
        actual = file_sha256(weights)
        if not actual.startswith(expected):
            raise ValueError(
                f'{weights}: SHA-256 {actual[:8]}... does not match the '
                f'{expected} of its name: the file is damaged or changed')
    return config, weights


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
