"""Installs p2r_mm.

Install torch first (see README): requirements/runtime.txt does not pin it, so
a GPU user's torch is kept, and mmcv is compiled against it, which needs
``pip install -r requirements/build.txt`` and ``--no-build-isolation``.
"""
import os.path as osp
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Requirement lines of requirements/<name>.txt, comments dropped."""
    with open(osp.join(HERE, 'requirements', name)) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


def read_version():
    scope = {}
    with open(osp.join(HERE, 'p2r_mm', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


setup(
    name='p2r_mm',
    version=read_version(),
    description='Semi-supervised point-based crowd counting with the '
    'Point-to-Region (P2R) loss, on MMEngine',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'projects')),
    # The semi-supervised protocols' split lists (p2r_mm/datasets/splits/)
    # and the shipped models (p2r_mm/weights/: an inference config and its
    # weights each).
    package_data={'p2r_mm.datasets': ['splits/*.txt', 'splits/README.md'],
                  'p2r_mm': ['weights/*.py', 'weights/*.pth']},
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    # The tests cover ONNX export, the onnxruntime backend and the
    # TensorBoard / W&B backends, so the tests extra also installs the
    # deploy and vis ones.
    extras_require=dict(
        deploy=read_requirements('deploy.txt'),
        vis=read_requirements('vis.txt'),
        tests=read_requirements('tests.txt') +
        read_requirements('deploy.txt') + read_requirements('vis.txt')),
    license='Apache License 2.0',
    zip_safe=False,
)
