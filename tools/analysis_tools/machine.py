"""What a measurement ran on, for the JSON artefacts of the benchmark tools
beside this file (they import it as ``machine``: a script's folder is on
``sys.path``)."""
import os
import platform
import re
from typing import Dict


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform``
    knows."""
    try:
        with open('/proc/cpuinfo') as f:
            return re.search(r'model name\s*:\s*(.*)', f.read()).group(1)
    except (OSError, AttributeError):
        return platform.processor() or platform.machine()


def load_average() -> float:
    """The 1-minute load average (runnable processes; compare it with the
    core count), or NaN where the OS has none."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float('nan')


def machine_info(**versions: str) -> Dict[str, object]:
    """``cpu``, ``cores``, ``machine``, ``python``, ``torch``, ``threads``
    (torch's intra-op threads), ``gpu`` (name or None), the given
    ``versions`` (e.g. ``onnxruntime='1.20.0'``) and
    ``load_average_at_start`` (now: call it before measuring, and set
    ``load_average_at_end`` with :func:`load_average` afterwards)."""
    import torch
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return dict(cpu=cpu_name(), cores=os.cpu_count(),
                machine=platform.machine(),
                python=platform.python_version(), torch=torch.__version__,
                threads=torch.get_num_threads(), gpu=gpu, **versions,
                load_average_at_start=load_average())


def describe(info: Dict[str, object]) -> str:
    """One line of :func:`machine_info`'s dict, e.g. ``x86_64 AMD EPYC,
    2 cores (2 threads), torch 2.4.0+cpu``."""
    text = (f"{info['machine']} {info['cpu']}, {info['cores']} cores "
            f"({info['threads']} threads), torch {info['torch']}")
    if info.get('gpu'):
        text += f", GPU {info['gpu']}"
    return text
