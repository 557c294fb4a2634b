"""The sections of ``tools/analysis_tools/gpu_check.py``: correctness of the
device paths against CPU references (``correctness``), loss speed,
training throughput and inference memory (``speed``), what they share
(``common``) and the generated ShanghaiTech-format data of the throughput
section (``shanghaitech_format``)."""
