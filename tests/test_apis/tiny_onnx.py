"""Export the tiny counters of tiny_counter.py with
tools/deployment/pytorch2onnx.py, in a subprocess as a user would."""
import os
import subprocess
import sys

from .tiny_counter import REPO

EXPORT_TOOL = 'tools/deployment/pytorch2onnx.py'


def run_tool(*args, ok=True, env=None):
    """Run a repository tool; assert its exit status; return the result."""
    # One thread: a tiny model on a busy machine is much faster so.
    full_env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    out = subprocess.run([sys.executable, *map(str, args)], cwd=REPO,
                         env=full_env, capture_output=True, text=True,
                         timeout=600)
    assert (out.returncode == 0) == ok, out.stdout + out.stderr[-3000:]
    return out


def export_onnx(config, checkpoint, out, *options, ok=True, env=None):
    """pytorch2onnx.py CONFIG CHECKPOINT OUT [options]; returns the result
    (stdout holds the parity lines)."""
    return run_tool(EXPORT_TOOL, config, checkpoint, out, *options, ok=ok,
                    env=env)


def hide_package(folder, name: str) -> dict:
    """Environment under which ``import name`` fails as if ``name`` were
    not installed: a stand-in package in ``folder``, first on PYTHONPATH."""
    stand_in = folder / name
    stand_in.mkdir(parents=True, exist_ok=True)
    (stand_in / '__init__.py').write_text(
        f'raise ModuleNotFoundError("No module named {name!r}")\n')
    path = os.environ.get('PYTHONPATH')
    return dict(PYTHONPATH=str(folder) + (os.pathsep + path if path else ''))
