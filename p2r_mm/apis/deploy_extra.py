"""The optional packages of ONNX export and the onnxruntime backend.

They are the ``deploy`` extra (``pip install -e ".[deploy]"``), not core
requirements, so they are imported only when used, and a missing one is
reported in one line that names the extra.
"""
import importlib
from types import ModuleType

INSTALL_HINT = 'pip install -e ".[deploy]"'


def import_deploy_package(name: str, purpose: str) -> ModuleType:
    """Import ``name`` (e.g. 'onnxruntime'), needed for ``purpose``.

    Raises:
        ImportError: one line naming the package, the purpose and the
            extra that installs it.
    """
    try:
        return importlib.import_module(name)
    except ImportError as e:
        reason = (str(e).splitlines() or [type(e).__name__])[0]
        raise ImportError(
            f'{purpose} needs the {name!r} package of the "deploy" extra, '
            f'which is not installed ({reason}): {INSTALL_HINT}') from None
