"""The setup every grading path shares (``make grade`` and Gradescope's run_autograder):
what student code must not see, the files written beside its notebook, the isolation
plan, the fingerprint of the grading code, and the runner's Job that holds them.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder.assignment import Assignment
from autograder.cases import Case
from autograder.grading import results
from autograder.grading.runner import Job, Limits
from autograder.grading.sandbox import isolation
from autograder.grading.submissions import InputError

GRADING = Path(__file__).resolve().parent


def make_job(assignment: Assignment, cases: Sequence[Case], limits: Limits,
             secret: Sequence[Path], gpu: bool = False, settings: dict | None = None,
             protect: bool = False, unlist: bool = False, measured: bool = True) -> Job:
    """The Job grading ``cases`` of ``assignment``.

    secret: folders besides the grading code that student code must not see (submissions,
    outputs); settings: what besides the code can change a score, hashed with the grading
    code into the fingerprint that lets a later run reuse results (None: no fingerprint);
    protect: make the secret paths private by permissions too (isolation.protect, for a
    container without namespaces; undo with isolation.restore(job.plan)); unlist: with
    protect, the machine's other top-level folders unlistable too (only where the machine
    is the grader's alone: Gradescope's container); measured: the
    assignment's benchmark is read when one of ``cases`` is its question.
    """
    if "torch" in sys.modules:  # checks run tiny tensor ops: thread pools only add latency
        sys.modules["torch"].set_num_threads(1)
    cases = tuple(cases)
    plan = isolation.make_plan(secret_paths(assignment, *secret), limits,
                               uid=isolation.student_uid_base(), gpu=gpu)
    if protect:
        plan = isolation.protect(plan, unlist)
    fingerprint = "" if settings is None else \
        results.fingerprint(grading_files(assignment), settings)
    benchmark = assignment.benchmark
    if not measured or not benchmark or benchmark[0] not in {c.question for c in cases}:
        benchmark = ()
    return Job(cases, assignment.shipped_files(), plan, limits, fingerprint, benchmark)


def secret_paths(assignment: Assignment, *folders) -> list[str]:
    """What student code must not see: grading code, solutions, the repository, data."""
    import autograder

    paths = [assignment.folder, Path(autograder.__file__).parent, *folders]
    spec = importlib.util.find_spec("solutions")
    if spec is not None and spec.submodule_search_locations:
        paths += list(spec.submodule_search_locations)
    root = Path(autograder.__file__).resolve().parent.parent
    if (root / "pyproject.toml").exists():
        paths.append(root)
    return [str(p) for p in paths]


_LOADED_FILES = """
import importlib, json, sys
path, name, tops = json.loads(sys.argv[1])
sys.path[:] = path
importlib.import_module(name)
print(json.dumps(sorted({m.__file__ for m in list(sys.modules.values())
                         if m.__name__.split(".")[0] in tops and getattr(m, "__file__", None)})))
"""


def grading_files(assignment: Assignment) -> list[Path]:
    """Source files whose change makes stored results stale: the grader's own modules (every
    .py under autograder/grading/, subpackages included) and every module of the project's
    packages (autograder, the assignment's, solutions) that importing the assignment's CASES
    loads, found in a fresh interpreter (so what this process happens to have loaded does not
    count)."""
    import autograder

    tops = sorted({"autograder", "solutions", assignment.checks.split(".")[0]})
    argument = json.dumps([sys.path, assignment.checks, tops])
    proc = subprocess.run([sys.executable, "-c", _LOADED_FILES, argument], capture_output=True,
                          text=True, timeout=300, cwd=Path(autograder.__file__).parent.parent)
    if proc.returncode != 0:
        raise InputError(f"importing {assignment.checks} failed:\n{proc.stderr[-2000:]}")
    loaded = [Path(f) for f in json.loads(proc.stdout)]
    return sorted({*GRADING.rglob("*.py"), *loaded})
