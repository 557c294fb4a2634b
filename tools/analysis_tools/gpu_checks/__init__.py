"""The sections of ``tools/analysis_tools/gpu_check.py``: correctness of the
device paths against CPU references (``correctness``), loss speed,
training throughput and inference memory (``speed``), and what they share
(``common``)."""
