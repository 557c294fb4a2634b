"""Every shipped config resolves to exactly the settings recorded in
resolved_configs.json, so restructuring the ``_base_`` files cannot change
what a config runs. After a deliberate change of settings, rewrite the
record and review its diff:

    python -m tests.test_configs.test_resolved_configs --update
"""
import json
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from .test_all_configs import CONFIGS, REPO

RECORD = osp.join(osp.dirname(osp.abspath(__file__)), 'resolved_configs.json')


def resolve(path):
    """Every top-level key of the resolved config (no base may leave a
    helper variable among them: see test_config_keys.py)."""
    cfg = Config.fromfile(osp.join(REPO, path)).to_dict()
    return json.loads(json.dumps(cfg))  # tuples -> lists, as recorded


def load_record():
    with open(RECORD) as f:
        return json.load(f)


def test_every_config_is_recorded():
    assert sorted(load_record()) == CONFIGS


@pytest.mark.parametrize('path', CONFIGS)
def test_config_resolves_as_recorded(path):
    expected = load_record()[path]
    got = resolve(path)
    for key in sorted(set(expected) | set(got)):
        assert got.get(key) == expected.get(key), f'{path}: {key} changed'


if __name__ == '__main__' and '--update' in sys.argv:
    with open(RECORD, 'w') as f:
        json.dump({p: resolve(p) for p in CONFIGS}, f, indent=1,
                  sort_keys=True)
        f.write('\n')
    print(f'{RECORD}: {len(CONFIGS)} configs')
