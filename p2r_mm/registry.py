"""p2r_mm's registry nodes, children of MMEngine's root registries.

With ``default_scope='p2r_mm'`` in a config, a ``type`` is looked up here
first and then in MMEngine's root (so ``Adam``, ``CheckpointHook``,
``DefaultSampler`` resolve without a prefix). Components of other OpenMMLab
projects are named with their scope, e.g. ``type='mmdet.MultiBranch'``.

``locations`` lists the modules that register into a node, so a config builds
without importing p2r_mm by hand. A node p2r_mm adds nothing to has no
location: naming a module that does not exist would make every build
through that node fail.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'p2r_mm'


def _child(name, parent, locations=()):
    return Registry(
        name, parent=parent, scope=SCOPE, locations=list(locations))


# Engine: runners, loops, hooks.
RUNNERS = _child('runner', MMENGINE_RUNNERS)
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             MMENGINE_RUNNER_CONSTRUCTORS)
LOOPS = _child('loop', MMENGINE_LOOPS)
HOOKS = _child('hook', MMENGINE_HOOKS, ['p2r_mm.engine'])
LOG_PROCESSORS = _child('log_processor', MMENGINE_LOG_PROCESSORS)

# Data.
DATASETS = _child('dataset', MMENGINE_DATASETS, ['p2r_mm.datasets'])
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS,
                       ['p2r_mm.datasets'])
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS,
                    ['p2r_mm.datasets.transforms'])

# Models: counters, backbones, necks, heads, losses, data preprocessors.
MODELS = _child('model', MMENGINE_MODELS, ['p2r_mm.models'])
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMENGINE_WEIGHT_INITIALIZERS)
# Task utilities: the cell assigners.
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS,
                    ['p2r_mm.models.task_modules'])

# Optimisation.
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = _child('optim_wrapper', MMENGINE_OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS)

# Evaluation.
METRICS = _child('metric', MMENGINE_METRICS, ['p2r_mm.evaluation'])
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR)

# Visualisation and inference.
VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS,
                     ['p2r_mm.visualization'])
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS)
INFERENCERS = _child('inferencer', MMENGINE_INFERENCERS, ['p2r_mm.apis'])
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS)
