"""docs/reliability.md names, for every fault, the tests that keep its
behaviour; every one of those tests must exist, or the page promises
coverage that is not there."""
import os.path as osp
import re

import pytest

TESTS = osp.dirname(osp.abspath(__file__))
PAGE = osp.join(osp.dirname(TESTS), 'docs', 'reliability.md')

# `test_dir/test_file.py`, `test_dir/test_file.py::test_name` or
# `::test_name` (the file of the last full path before it).
REFERENCE = re.compile(r'`((?:[\w/]+\.py)?(?:::\w+)?)`')


def referenced_tests():
    """[(file relative to tests/, test function name or None)] in the order
    the tables' last column gives them."""
    found, current = [], None
    with open(PAGE) as f:
        for line in f:
            cells = line.rstrip().split('|')
            if not line.startswith('|') or len(cells) < 4:
                continue
            for ref in REFERENCE.findall(cells[-2]):
                path, _, name = ref.partition('::')
                if path:
                    current = path
                elif current is None:
                    raise AssertionError(
                        f'docs/reliability.md: {ref} before any file')
                found.append((current, name or None))
    return found


REFERENCES = referenced_tests()


def test_the_page_names_tests():
    assert len(REFERENCES) > 40
    assert ('test_tools/test_demos.py',
            'test_video_demo_stops_cleanly_on_a_real_signal') in REFERENCES


@pytest.mark.parametrize(
    'path,name', sorted(set(REFERENCES), key=lambda r: (r[0], r[1] or '')),
    ids=str)
def test_every_named_test_exists(path, name):
    file = osp.join(TESTS, path)
    assert osp.isfile(file), (
        f'docs/reliability.md names tests/{path}, which is missing')
    if name is not None:
        with open(file) as f:
            source = f.read()
        assert re.search(rf'^def {name}\(', source, re.M), (
            f'docs/reliability.md names {path}::{name}, which {path} does '
            'not define')
