"""Which part of a model config is the counter that predicts."""


def counter_config(model_cfg: dict) -> dict:
    """The config of the counter inside ``model_cfg``: the model itself (a
    ``PointCounter`` or any supervised counter), or the ``counter`` from
    which a semi-supervised wrapper (``SemiPointCounter``) builds its
    student and teacher.

    Returns the same (mutable) dict, not a copy, so that a change to it
    (``test_cfg.tile``, ``test_cfg.flip``, ``backbone.init_cfg``) reaches
    every model built from ``model_cfg``.
    """
    return model_cfg['counter'] if 'counter' in model_cfg else model_cfg
