"""Ctrl-C and ``kill`` as a request to stop at the next safe point, for
the demos' loops over frames and images."""
import signal


class StopSignals:
    """While entered, SIGINT (Ctrl-C) and SIGTERM (a service manager,
    ``kill``) set :attr:`requested` instead of interrupting, so a loop
    that checks it between items stops after the item it is on, with its
    outputs in agreement; a second signal stops at once
    (``KeyboardInterrupt``).

    A signal set to be ignored (SIGINT in a job that a shell started in
    the background) stays ignored. The previous handlers come back on
    exit. Signals reach Python's main thread only, so enter it there.

    Example::

        with StopSignals() as stop:
            for item in items:
                if stop.requested:
                    break
                process(item)
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested = False
        self.previous = {}

    def handle(self, signum, frame) -> None:
        # Nothing printed here: the signal may come in the middle of a
        # write to stderr, and a second write into it would fail.
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> 'StopSignals':
        for sig in self.SIGNALS:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                previous = signal.signal(sig, self.handle)
                # None: a handler installed from C, which Python cannot
                # reinstall; the default is the nearest it can restore.
                self.previous[sig] = signal.SIG_DFL if previous is None \
                    else previous
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.previous = {}
