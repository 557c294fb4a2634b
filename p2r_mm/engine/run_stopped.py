"""The error a safety hook raises to end a run on purpose."""


class RunStoppedError(RuntimeError):
    """A run stopped because continuing would waste it (the model or the
    data went bad). The message says what happened, where, and what to do;
    ``tools/train.py`` prints it without a traceback."""
