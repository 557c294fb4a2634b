"""The package's floors: a part of p2r_mm imports only the parts below it.

Every ``import`` in p2r_mm counts, at module level or inside a function,
absolute or relative. The table says, for each part, what it may import
besides itself; a part missing from it fails the test, so a new one is
placed on purpose.
"""
import ast
import os
import os.path as osp
from typing import Dict, Iterator, List, Optional, Tuple

PACKAGE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'p2r_mm')

# The ground floor: imports nothing else of p2r_mm.
BASE = ('registry', 'structures', 'utils', 'version')
#: part -> the parts it may import (besides itself).
MAY_IMPORT: Dict[str, Tuple[str, ...]] = {
    '': ('version', ),  # p2r_mm/__init__.py: import p2r_mm stays light
    **{part: () for part in BASE},
    'datasets': BASE,
    # Geometry, nearest-point search, point matching: nothing of models.
    'models.utils': BASE,
    'models': BASE + ('models.utils', ),
    'evaluation': BASE + ('models', 'models.utils'),
    'visualization': BASE + ('models', 'models.utils'),
    # The inference API sits above the training hooks: engine never
    # imports apis.
    'engine': BASE + ('datasets', 'evaluation', 'models', 'models.utils',
                      'visualization'),
    'apis': BASE + ('datasets', 'evaluation', 'models', 'models.utils',
                    'visualization'),
}


def part_of(module: str) -> Optional[str]:
    """The floor part of a dotted module name under p2r_mm (the longest
    table entry that prefixes it), or None outside p2r_mm."""
    if module != 'p2r_mm' and not module.startswith('p2r_mm.'):
        return None
    inner = module[len('p2r_mm.'):] if module != 'p2r_mm' else ''
    best = None
    for part in MAY_IMPORT:
        if part and (inner == part or inner.startswith(part + '.')):
            if best is None or len(part) > len(best):
                best = part
    if best is None and inner == '':
        return ''
    if best is None:
        raise AssertionError(
            f'{module}: its part of p2r_mm has no floor; add it to '
            'MAY_IMPORT in tests/test_package_floors.py')
    return best


def imported_parts(source: str, module: str,
                   is_package: bool) -> Iterator[Tuple[int, str]]:
    """(line, part) of every part of p2r_mm that ``source``, the text of
    module ``module``, imports; relative imports are resolved, and in
    ``from x import y`` a submodule y counts as itself."""
    here = module.split('.') if is_package else module.split('.')[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ''
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = '.'.join(base + ([target] if target else []))
            names = [target] + [f'{target}.{alias.name}'
                                for alias in node.names]
        else:
            continue
        for name in names:
            try:
                part = part_of(name)
            except AssertionError:
                # ``from p2r_mm.x import y``: y is a name, not a module.
                part = part_of(name.rsplit('.', 1)[0])
            if part is not None:
                yield node.lineno, part


def upward_imports(source: str, module: str,
                   is_package: bool = False) -> List[str]:
    """The imports of ``source`` (the text of p2r_mm module ``module``)
    that the table does not allow, as 'module:line: part -> part'."""
    mine = part_of(module)
    # The root package itself ('') is loaded before any part anyway.
    found = {(line, theirs)
             for line, theirs in imported_parts(source, module, is_package)
             if theirs not in ('', mine) and theirs not in MAY_IMPORT[mine]}
    return [f'{module}:{line}: {mine or "p2r_mm"} -> {theirs}'
            for line, theirs in sorted(found)]


def package_modules() -> Iterator[Tuple[str, str, bool]]:
    """(dotted name, file, is a package __init__) of every p2r_mm module."""
    root = osp.dirname(PACKAGE)
    for folder, _, files in os.walk(PACKAGE):
        if '__init__.py' not in files:
            continue  # package data (p2r_mm/weights/: configs), no modules
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = osp.join(folder, name)
            dotted = osp.splitext(osp.relpath(path, root))[0].replace(
                os.sep, '.')
            is_package = name == '__init__.py'
            if is_package:
                dotted = dotted[:-len('.__init__')]
            yield dotted, path, is_package


def test_no_part_imports_a_part_above_it():
    problems = []
    for module, path, is_package in package_modules():
        with open(path, encoding='utf-8') as f:
            problems += upward_imports(f.read(), module, is_package)
    assert not problems, 'imports against the floors:\n' + '\n'.join(
        problems)


def test_the_check_sees_every_kind_of_upward_import():
    source = '\n'.join([
        'from p2r_mm.evaluation.metrics import pseudo_label_quality',
        'from ...evaluation import metrics',
        'import p2r_mm.apis',
        'def later():',
        '    from p2r_mm.engine.hooks import UnsupWeightHook',
        'from ... import visualization',
        'from ..utils import cell_points',  # models.utils: allowed
        'from p2r_mm.registry import MODELS',  # the ground floor: allowed
        'from .tiling import tiled_logits',  # its own part: allowed
        'import numpy as np',  # outside p2r_mm
    ])
    assert upward_imports(source, 'p2r_mm.models.counters.x') == [
        f'p2r_mm.models.counters.x:{line}: models -> {part}'
        for line, part in ((1, 'evaluation'), (2, 'evaluation'),
                           (3, 'apis'), (5, 'engine'), (6, 'visualization'))
    ]
    # The ground floor of models may not import the rest of models.
    assert upward_imports('from ..heads import PointClassificationHead',
                          'p2r_mm.models.utils.x') == [
        'p2r_mm.models.utils.x:1: models.utils -> models'
    ]
    # engine may use visualization, never the inference API.
    assert upward_imports('from p2r_mm.apis.inference import prepare_image',
                          'p2r_mm.engine.hooks.h') == [
        'p2r_mm.engine.hooks.h:1: engine -> apis'
    ]
    assert upward_imports('from p2r_mm.visualization import compute_psam',
                          'p2r_mm.engine.hooks.h') == []
    # import p2r_mm loads nothing but its version.
    assert upward_imports('from .utils import safe_checkpoint_loading',
                          'p2r_mm', is_package=True) == [
        'p2r_mm:1: p2r_mm -> utils'
    ]


def test_every_part_has_a_floor():
    for module, _, _ in package_modules():
        part_of(module)  # raises for a part missing from the table
