"""Every way a TA stops a grading run ends it as Ctrl-C does: what is graded is kept, the
outputs are written, the rest is ``pending`` (batch.py); the same command resumes.

- Ctrl-C in the terminal: SIGINT to the whole foreground process group (the fork server
  ignores it: it is the grader's to handle).
- SIGTERM or SIGHUP to the grader (``kill``, a closed terminal, or ``make`` passing on the
  SIGTERM it got).

Within ``handled``, the first of these raises KeyboardInterrupt; later ones are ignored
while the outputs are written (a second Ctrl-C never loses them). Besides:

- SIGINT (or SIGHUP, SIGQUIT) to ``make`` alone, e.g. ``kill -INT <make's pid>``: GNU make
  does not pass these on to the recipe (it expects the terminal to have sent them to the
  whole process group); its handler resets the signal to the default action and waits
  for the recipe with the signal blocked. The Makefile runs the grader with ``exec`` (so
  make is its parent, not a shell), and a watcher thread sees that state in
  ``/proc/<make's pid>/status`` (the signal blocked and no longer caught) and interrupts
  the run. It also stops the run when its parent is gone (make killed outright).
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
MAKE_FATAL = (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM)
MAKES = ("make", "gmake")
POLL_SECONDS = 0.5


class _Stop:
    """The handler of STOPS: KeyboardInterrupt the first time, nothing after."""

    def __init__(self):
        self.signalled = threading.Event()

    def __call__(self, signum, frame) -> None:
        if not self.signalled.is_set():
            self.signalled.set()
            raise KeyboardInterrupt(signal.Signals(signum).name)


def fatal_signal_pending(status: str) -> signal.Signals | None:
    """The fatal signal a GNU make whose ``/proc/<pid>/status`` text is ``status`` is
    handling (blocked and set back to its default action), or None."""
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    try:
        blocked, caught = int(fields["SigBlk"], 16), int(fields["SigCgt"], 16)
    except (KeyError, ValueError):
        return None
    for sig in MAKE_FATAL:
        bit = 1 << (sig - 1)
        if blocked & bit and not caught & bit:
            return sig
    return None


class _MakeWatcher(threading.Thread):
    """Interrupts this process once its make parent handles a fatal signal it does not
    pass on, or the parent is gone (two polls in a row, POLL_SECONDS apart)."""

    def __init__(self, parent: int, stop: _Stop):
        super().__init__(name="make-watcher", daemon=True)
        self.parent, self.stop, self.done = parent, stop, threading.Event()

    def run(self) -> None:
        seen = 0
        while not self.done.wait(POLL_SECONDS) and not self.stop.signalled.is_set():
            seen = seen + 1 if self._stopping() else 0
            if seen >= 2:
                os.kill(os.getpid(), signal.SIGINT)
                return

    def _stopping(self) -> bool:
        if os.getppid() != self.parent:
            return True
        try:
            status = Path(f"/proc/{self.parent}/status").read_text()
        except OSError:
            return True
        return fatal_signal_pending(status) is not None


def _make_parent() -> int | None:
    parent = os.getppid()
    try:
        name = Path(f"/proc/{parent}/comm").read_text().strip()
    except OSError:
        return None
    return parent if name in MAKES else None


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Within: the first of SIGINT, SIGTERM, SIGHUP raises KeyboardInterrupt (those not
    ignored already), later ones are ignored, and a make parent's SIGINT stops the run
    too (module docstring). The previous handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stop = _Stop()
    previous = {sig: signal.signal(sig, stop) for sig in STOPS  # left ignored if inherited so
                if signal.getsignal(sig) is not signal.SIG_IGN}  # (nohup, a background job)
    parent = _make_parent()
    watcher = _MakeWatcher(parent, stop) if parent is not None else None
    if watcher is not None:
        watcher.start()
    try:
        yield
    finally:
        if watcher is not None:
            watcher.done.set()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
