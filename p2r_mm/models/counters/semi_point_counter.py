"""Mean-teacher semi-supervised training of a point counter."""
import copy
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from torch import Tensor

from p2r_mm.models.utils.point_matching import pseudo_label_quality
from p2r_mm.registry import MODELS
from p2r_mm.structures import CrowdDataSample
from ..utils import cutout_cell_weights, fill_boxes

DEFAULT_SEMI_TRAIN_CFG = dict(
    pseudo_logit_thr=0.0, confidence_thr=0.7, teacher_bn='batch',
    teacher_init='copy', cutout_fill=0.0,
    skip_unsup_when_unweighted=True, pseudo_quality=None)
TEACHER_INITS = ('copy', 'independent')


@MODELS.register_module()
class SemiPointCounter(BaseModel):
    """A student and a teacher :class:`PointCounter` (MMDetection's
    semi-supervised shape: ``student``/``teacher`` attributes, so
    ``mmdet.MeanTeacherHook`` and ``mmdet.TeacherStudentValLoop`` work).

    One training step, on a batch with branches ``sup`` (labelled crops),
    ``unsup_teacher`` (weak view) and ``unsup_student`` (strong view of the
    same crops, with a cutout):

    - ``L_sup``: the student's point loss on the labelled crops;
    - pseudo-labels: the teacher's maps on the weak view, no gradient,
      turned into points by its head (``pseudo_points_by_feat``; the core
      head: every cell with logit >= ``pseudo_logit_thr`` is a
      pseudo-point, confidence 1 if sigmoid(logit) > ``confidence_thr``
      else 0);
    - ``L_unsup``: the student's point loss on the strong view against the
      pseudo-points, confidences as point weights, cutout cells weighted 0
      (see :func:`~p2r_mm.models.utils.cutout_cell_weights`); the
      strong view's ``cutout_box`` is set to ``semi_train_cfg.cutout_fill``
      in the *normalised* input first (default 0.0, the mean colour, as
      the official code multiplies the normalised view by its cut mask;
      None keeps the pixels the pipeline left there);
    - total ``(L_sup + w * L_unsup) / (1 + w)``, ``w = self.unsup_weight``
      (each further loss of the head, e.g. an offset regression, is mixed
      alike: see :meth:`loss`),
      set by ``UnsupWeightHook``, with ``self.unsup_started`` (False during
      the burn-in). The unlabelled branch runs once started or when w > 0;
      before, it is skipped when ``skip_unsup_when_unweighted`` (it would
      add nothing to the gradient).

    The teacher never receives gradients; ``MeanTeacherHook`` moves it by
    EMA. ``semi_train_cfg.teacher_bn``: ``'batch'`` (default, the official
    P2R code) keeps the teacher in train mode, so its BN normalises with
    the weak batch's own statistics, and only its parameters follow the
    student (``MeanTeacherHook(skip_buffer=True)``); ``'ema'`` runs the
    teacher in eval mode with running statistics that follow the
    student's by EMA (use the hook with ``skip_buffer=False``).

    ``semi_train_cfg.teacher_init``: ``'copy'`` (default, MMDetection's
    mean teacher) starts the teacher as a copy of the student;
    ``'independent'`` keeps the teacher's own initialisation, as the
    official code does (``models/__init__.py`` builds two networks and
    ``main.py`` never copies one into the other): with pretrained
    backbones both backbones start equal and only the randomly
    initialised layers differ. ``p2r_mm``'s ``MeanTeacherHook`` follows
    this key (mmdet's copies at iteration 0 whatever it says).

    ``semi_train_cfg.pseudo_quality`` (off by default): a dict such as
    ``dict(match_distance=8.0)`` logs, whenever the unlabelled branch runs,
    how the teacher's pseudo-points compare with the annotations of the
    unlabelled crops, which training never uses (the weak views'
    ``gt_points``: the unlabelled pipeline must load them, as the
    synthetic configs do). Logged: ``pseudo_precision``,
    ``pseudo_recall``, ``pseudo_f1``, ``pseudo_count_ratio`` and the same
    for the confident pseudo-points (``confident_*``); see
    :func:`~p2r_mm.models.utils.pseudo_label_quality`. Only these
    statistics read the hidden points; no loss does.

    Args:
        counter (dict): config of the :class:`PointCounter`.
        unsup_loss (dict, optional): loss of the unlabelled branch; by
            default the counter's own (its head's ``loss``). The P2P
            baseline uses ``P2PLoss(ignore_unmatched=True)`` here.
        data_preprocessor (dict): usually
            ``mmdet.MultiBranchDataPreprocessor`` wrapping the counter's.
        semi_train_cfg (dict): see above.
        semi_test_cfg (dict): ``predict_on='student'`` (default) or
            ``'teacher'``.
    """

    def __init__(self,
                 counter: dict,
                 unsup_loss: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 semi_train_cfg: Optional[dict] = None,
                 semi_test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='mmdet.MultiBranchDataPreprocessor',
                data_preprocessor=counter.get(
                    'data_preprocessor',
                    dict(type='CountingDataPreprocessor')))
        if isinstance(data_preprocessor, dict):
            # mmdet's wrapper builds the inner preprocessor from mmdet's
            # registry unless p2r_mm is the current scope.
            with DefaultScope.overwrite_default_scope('p2r_mm'):
                data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student = MODELS.build(copy.deepcopy(counter))
        self.teacher = MODELS.build(copy.deepcopy(counter))
        self.teacher.requires_grad_(False)
        self.unsup_loss_fn = (MODELS.build(unsup_loss) if unsup_loss
                              is not None else self.student.head.loss_fn)
        self.semi_train_cfg = {**DEFAULT_SEMI_TRAIN_CFG,
                               **(semi_train_cfg or {})}
        teacher_bn = self.semi_train_cfg['teacher_bn']
        if teacher_bn not in ('ema', 'batch'):
            raise ValueError("semi_train_cfg.teacher_bn must be 'ema' or "
                             f"'batch', got {teacher_bn!r}")
        if self.semi_train_cfg['teacher_init'] not in TEACHER_INITS:
            raise ValueError(
                f'semi_train_cfg.teacher_init must be one of {TEACHER_INITS}'
                f", got {self.semi_train_cfg['teacher_init']!r}")
        self.semi_test_cfg = {'predict_on': 'student',
                              **(semi_test_cfg or {})}
        self.unsup_weight = 0.0
        self.unsup_started = False

    @property
    def teacher_init(self) -> str:
        """``semi_train_cfg.teacher_init``: 'copy' or 'independent'."""
        return self.semi_train_cfg['teacher_init']

    def init_weights(self) -> None:
        super().init_weights()
        if self.teacher_init == 'copy':
            self.teacher.load_state_dict(self.student.state_dict())

    def train(self, mode: bool = True) -> 'SemiPointCounter':
        super().train(mode)
        if self.semi_train_cfg['teacher_bn'] == 'ema':
            self.teacher.eval()
        return self

    @property
    def predictor(self) -> BaseModel:
        """The model that predicts (``semi_test_cfg.predict_on``): what
        ``forward`` uses in 'predict' and 'tensor' modes, and what PSAM
        probes."""
        return getattr(self, self.semi_test_cfg.get('predict_on', 'student'))

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predictor.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.predictor._forward(inputs)
        raise RuntimeError(f'Invalid mode "{mode}": use loss, predict or '
                           'tensor')

    def loss(self, multi_batch_inputs: Dict[str, Tensor],
             multi_batch_data_samples: Dict[str, List[CrowdDataSample]]
             ) -> Dict[str, Tensor]:
        """Every loss of the student's head, mixed as
        ``(sup + w * unsup) / (1 + w)``: the head's ``loss_point`` as
        ``loss_semi`` (logged as ``sup`` and ``unsup``), any other
        ``loss_<name>`` of the head under its own name (logged as
        ``sup_<name>`` and ``unsup_<name>``), then ``unsup_weight`` and
        the pseudo-label statistics."""
        sup = self.student.loss(multi_batch_inputs['sup'],
                                multi_batch_data_samples['sup'])
        weight = float(self.unsup_weight)
        zero = sup['loss_point'].new_zeros(())
        unsup = {key: zero for key in sup}
        stats = dict(pseudo_points=zero, pseudo_confident=zero)
        if self.unsup_branch_runs(multi_batch_inputs):
            unsup, stats = self.unsup_losses(multi_batch_inputs,
                                             multi_batch_data_samples)
        losses = {
            _mixed_name(key): (sup[key] + weight * unsup[key]) / (1 + weight)
            for key in sup
        }
        for key in sup:
            losses['sup' + _log_suffix(key)] = sup[key].detach()
            losses['unsup' + _log_suffix(key)] = unsup[key].detach()
        return dict(losses, unsup_weight=zero.new_tensor(weight), **stats)

    def unsup_branch_runs(self, inputs: Dict[str, Tensor]) -> bool:
        """Whether this step runs the unlabelled branch: the batch has
        one, and the burn-in is over or its weight counts."""
        return 'unsup_teacher' in inputs and (
            self.unsup_started or float(self.unsup_weight) > 0 or
            not self.semi_train_cfg['skip_unsup_when_unweighted'])

    def pseudo_statistics(self, points: List[Tensor],
                          confidences: List[Tensor],
                          weak: List[CrowdDataSample]) -> Dict[str, float]:
        """What the unlabelled branch logs about the pseudo-points (see
        :meth:`unsup_losses`), as floats."""
        n_total = sum(len(p) for p in points)
        stats = dict(
            pseudo_points=n_total / len(points),
            pseudo_confident=float(sum(c.sum() for c in confidences)) /
            max(n_total, 1))
        quality = self.semi_train_cfg['pseudo_quality']
        if quality:
            stats.update(pseudo_label_quality(
                points, confidences, self._hidden_points(weak),
                **(quality if isinstance(quality, dict) else {})))
        return stats

    def unsup_losses(self, inputs: Dict[str, Tensor],
                     samples: Dict[str, List[CrowdDataSample]]
                     ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """The student head's losses on the strong view against the
        teacher head's pseudo-points (``loss_by_feat`` with the
        unlabelled loss, confidences as point weights, cutout cells
        weighted 0). Returns the losses and the logged statistics (0-dim
        tensors): ``pseudo_points`` (mean per image),
        ``pseudo_confident`` (the confident fraction) and, with
        ``pseudo_quality``, their quality against the hidden
        annotations."""
        stride = self.student.stride
        weak = samples['unsup_teacher']
        with torch.no_grad():
            teacher_maps = self.teacher._forward(inputs['unsup_teacher'])
            points, confidences = self.teacher.head.pseudo_points_by_feat(
                teacher_maps, [s.metainfo['img_shape'][:2] for s in weak],
                self.semi_train_cfg['pseudo_logit_thr'],
                self.semi_train_cfg['confidence_thr'])
        strong, boxes = self.strong_input(inputs, samples)
        maps = self.student._forward(strong)
        _, _, h, w = maps.shape
        pixel_weights = cutout_cell_weights(boxes, h, w, stride, maps.device)
        losses = self.student.head.loss_by_feat(
            maps, points, confidences, pixel_weights,
            loss_fn=self.unsup_loss_fn)
        stats = self.pseudo_statistics(points, confidences, weak)
        return losses, {k: maps.new_tensor(v) for k, v in stats.items()}

    def strong_input(self, inputs: Dict[str, Tensor],
                     samples: Dict[str, List[CrowdDataSample]]
                     ) -> Tuple[Tensor, List[Optional[tuple]]]:
        """The student's strong-view input, (B, C, H, W) normalised, with
        each ``cutout_box`` set to ``semi_train_cfg.cutout_fill`` (unless
        None), and the boxes (x0, y0, x1, y1) input pixels, or None."""
        boxes = [s.metainfo.get('cutout_box')
                 for s in samples['unsup_student']]
        strong = inputs['unsup_student']
        if self.semi_train_cfg['cutout_fill'] is not None:
            strong = fill_boxes(strong, boxes,
                                float(self.semi_train_cfg['cutout_fill']))
        return strong, boxes

    @staticmethod
    def _hidden_points(samples: List[CrowdDataSample]) -> List[Tensor]:
        """The weak views' annotations, for ``pseudo_quality`` only."""
        missing = [s.metainfo.get('img_path', '?') for s in samples
                   if s.gt_points is None]
        if missing:
            raise ValueError(
                'semi_train_cfg.pseudo_quality needs the annotations of the '
                'unlabelled images (LoadCrowdAnnotations in the unlabelled '
                f'pipeline); none for {missing[0]}')
        return [s.gt_points for s in samples]


def _mixed_name(key: str) -> str:
    """Name of the mixed loss of a head's loss ``key``: the point loss is
    ``loss_semi``, any other keeps its name."""
    return 'loss_semi' if key == 'loss_point' else key


def _log_suffix(key: str) -> str:
    """Suffix of the logged ``sup``/``unsup`` parts of a head's loss
    ``key``: none for ``loss_point``, ``_<name>`` for ``loss_<name>``."""
    if key == 'loss_point':
        return ''
    if not key.startswith('loss_'):
        raise ValueError(f'head loss {key!r} must be named loss_<name> '
                         '(MMEngine sums the keys that contain "loss")')
    return '_' + key[len('loss_'):]
