"""``import p2r_mm`` stays light: the registries import the rest on demand
(what it leaves of MMEngine's checkpoint loading: test_utils/
test_safe_checkpoint.py)."""
import subprocess
import sys

from .test_tools.test_train_test_tools import REPO


def test_import_p2r_mm_loads_only_its_version():
    code = ('import sys, p2r_mm; '
            'print(" ".join(sorted(m for m in sys.modules '
            'if m.startswith("p2r_mm"))))')
    run = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ['p2r_mm', 'p2r_mm.version']
