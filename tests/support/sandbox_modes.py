"""Student processes in each mode the grader confines them in, for tests that attack the
sandbox from inside:

    root            grading as root: namespaces, a uid of its own per sandbox
    container       root without namespaces (Gradescope's Docker defaults,
                    ``$ADVOPT_FORBID_NAMESPACES=1``): a uid of its own, permissions
    user            grading as a normal user: a user namespace, no capabilities
    user-container  a normal user without namespaces: the grader's own user

The two ``user`` modes run the fork server as ``nobody`` (uid 65534) when the tests run
as root, and as the tests' own user otherwise (then the root modes are skipped).
"""
from __future__ import annotations

import contextlib
import functools
import os
import subprocess
from pathlib import Path
from unittest import mock

import pytest

from autograder.grading.runner import Limits
from autograder.grading.sandbox import isolation, process
from autograder.grading.sandbox.process import ForkServer, TimeBudget

MODES = ("root", "container", "user", "user-container")
NOBODY = 65534
ROOT = Path(__file__).resolve().parents[2]


def grader_uid(mode: str) -> int:
    """The uid the grader (its fork server) runs as in ``mode``: the TA's user."""
    return (NOBODY if os.geteuid() == 0 else os.geteuid()) if mode.startswith("user") else 0


def skip_unless_available(mode: str) -> None:
    if os.uname().machine != "x86_64":
        pytest.skip("the seccomp filter is x86_64 only")
    if not mode.startswith("user") and os.geteuid() != 0:
        pytest.skip(f"mode {mode} needs the tests to run as root")


@contextlib.contextmanager
def fork_server(mode: str):
    """A fork server of its own for ``mode`` (as the grader's user of that mode)."""
    skip_unless_available(mode)
    if mode.startswith("user") and os.geteuid() == 0:
        popen = functools.partial(subprocess.Popen, user=NOBODY, group=NOBODY,
                                  extra_groups=[])
        with _traversable(), mock.patch.object(process.subprocess, "Popen", popen):
            with ForkServer() as server:
                yield server
    else:
        with ForkServer() as server:
            yield server


@contextlib.contextmanager
def _traversable():
    """Every folder above the Python installation searchable by others (``o+x``) while
    the block runs, as ``isolation.protect`` makes them for a student uid (this Python may
    live under /root)."""
    changed = {}
    for path in isolation.make_plan([], Limits(), None)["expose"]:
        parts = path.split("/")
        for depth in range(2, len(parts) + 1):
            folder = "/".join(parts[:depth])
            mode = os.stat(folder).st_mode & 0o7777
            if not mode & 0o001 and folder not in changed:
                changed[folder] = mode
                os.chmod(folder, mode | 0o001)
    try:
        yield
    finally:
        for folder, mode in changed.items():
            os.chmod(folder, mode)


def plan(mode: str, secret=(ROOT,), limits: Limits = Limits(timeout=60, memory_mb=1024)):
    """The isolation plan of ``mode`` (``secret``: paths the student must not see)."""
    planned = isolation.make_plan(list(secret), limits,
                                  uid=None if mode.startswith("user") else 1_900_000_000)
    return {**planned, "namespaces": not mode.endswith("container")}


def run_cell(server, planned, code: str, names, seconds: float = 60) -> tuple[dict, dict]:
    """Run ``code`` as one notebook cell in a new student process; (isolation record,
    the values of ``names``). The cell must not raise."""
    student = server.spawn(planned)
    try:
        with student.charged_to(TimeBudget(seconds)):
            executed = student.execute([{"number": 1, "source": code}], {})
            assert executed["errors"] == [], executed["errors"]
            return executed["isolation"], student.describe(list(names))
    finally:
        student.close()
