"""An in-process stand-in for the sandbox: the interface of ``process.ForkServer``
(``spawn``) and ``process.StudentProcess`` (``charged_to``, ``execute``, ``describe``,
``output``, ``close``, ``cell``), so ``runner.grade`` runs without a fork server, a
release build or any isolation: a runner change is tested in milliseconds.

Student code runs here, in a namespace of its own, with two extra builtins:

    spend(seconds)   takes that much student time (simulated: no test waits or depends
                     on the machine's speed); past the time budget of the request it
                     runs under, the process is lost as "timeout", as the real one is
    die()            ends the student process ("died"), as a crash or os._exit would (how
                     it ended, "killed by SIGKILL", is for the staff: ``SandboxLost.staff``)

A function of the namespace reached through ``describe`` is a request of its own, as a
proxy's call is; after a loss every request raises ``SandboxLost`` ("the student process
is gone"). ``StandInServer.setup_error`` makes the next spawn fail its setup ("setup").
"""
from __future__ import annotations

import contextlib
import functools

from autograder.grading.sandbox.process import SETUP_FAILED, GraderError, SandboxLost, TimeBudget


class StandInServer:
    """Spawns StandInProcesses; ``spawned`` lists them in order."""

    def __init__(self):
        self.spawned: list[StandInProcess] = []
        self.setup_error = ""

    def spawn(self, plan) -> StandInProcess:
        process = StandInProcess(plan, self.setup_error)
        self.setup_error = ""
        self.spawned.append(process)
        return process


class StandInProcess:
    """One simulated student process; ``calls`` records (function, args) in order."""

    def __init__(self, plan, setup_error: str = ""):
        self.plan, self.setup_error = plan, setup_error
        self.budget: TimeBudget | None = None
        self.cell: int | None = None
        self.lost: SandboxLost | None = None
        self.out_of_memory: str | None = None
        self.closed = False
        self.globals: dict = {"spend": self._spend, "die": self._die}
        self.calls: list[tuple[str, tuple]] = []
        self._target = ""

    @contextlib.contextmanager
    def charged_to(self, budget: TimeBudget):
        outer, self.budget = self.budget, budget
        try:
            yield budget
        finally:
            self.budget = outer

    # -- the student's builtins
    def _spend(self, seconds: float) -> None:
        budget = self._budget()
        if seconds > budget.left:  # the real grader stops waiting at the deadline
            budget.spent = budget.seconds
            self._lose("timeout", self._target)
        budget.spent += seconds

    def _die(self) -> None:
        self._lose("died", self._target, staff="killed by SIGKILL")

    # -- requests
    def _budget(self) -> TimeBudget:
        if self.budget is None:
            raise GraderError(f"a request for {self._target} outside any time budget")
        return self.budget

    def _start(self, target: str) -> None:
        self._target = target
        if self.lost is not None:
            raise SandboxLost(self.lost.kind, target, "the student process is gone")
        if self._budget().left <= 0:
            self._lose("timeout", target)

    def _lose(self, kind: str, target: str, detail: str = "", staff: str = "") -> None:
        self.lost = SandboxLost(kind, target, detail, staff or kind)
        raise self.lost

    def execute(self, cells: list[dict], files: dict[str, str]) -> dict:
        if self.setup_error:
            self._lose("setup", "the notebook", SETUP_FAILED,
                       f"sandbox setup failed: {self.setup_error}")
        self._start("the notebook")
        errors = []
        for cell in cells:
            self.cell = cell["number"]
            try:
                exec(compile(cell["source"], f"<cell {cell['number']}>", "exec"), self.globals)
            except Exception as e:
                errors.append({"cell": cell["number"], "error": f"{type(e).__name__}: {e}"})
        self.cell = None
        return {"errors": errors, "isolation": {"mode": "stand-in"}}

    def describe(self, names) -> dict:
        self._start("the notebook's globals")
        return {n: self._proxy(n, self.globals[n]) if callable(self.globals[n])
                else self.globals[n] for n in names if n in self.globals}

    def _proxy(self, name: str, function):
        @functools.wraps(function)
        def call(*args, **kwargs):
            self._start(name)
            self.calls.append((name, args))
            try:
                return function(*args, **kwargs)
            except MemoryError:
                self.out_of_memory = name
                raise
        return call

    def output(self) -> str:
        self._start("the student's output")
        return "printed"

    def close(self) -> None:
        self.closed = True
