"""Grade a folder of submissions: resume, the Job, outputs.

Submissions whose notebook and grading fingerprint are unchanged since a previous run are
not graded again; the others go to an executor (executors/: threads here, or a Slurm job
array), which saves each result as it finishes (results.py). The gradebook, feedback and
report are rebuilt from all saved results at the end (also after Ctrl-C or a failed
task, with what is done).
"""
from __future__ import annotations

import atexit
import importlib
import importlib.util
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.cases import questions as question_points
from autograder.grading import (exports, feedback, gradebook, isolation, leaderboard, report,
                                results, written)
from autograder.grading.executors import Batch, Executor, Unfinished
from autograder.grading.executors.local import LocalExecutor
from autograder.grading.process import ForkServer, GraderError
from autograder.grading.results import Result
from autograder.grading.runner import Job, Limits
from autograder.grading.submissions import InputError, Submission, discover


@dataclass
class Summary:
    """What a run did, for the final one-line summary."""

    total: int
    graded_now: int
    reused: int
    statuses: dict
    mean: float
    max_points: float
    seconds: float
    out: Path
    interrupted: bool = False
    warnings: tuple = ()
    unfinished: int = 0   # left ungraded by a failed task (report.html: Needs attention)

    def line(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.statuses.items() if n)
        rate = self.graded_now / self.seconds * 60 if self.seconds > 0 else 0.0
        head = "interrupted: " if self.interrupted else ""
        return (f"{head}{self.total} submissions ({counts}); graded {self.graded_now} in "
                f"{self.seconds:.1f} s ({rate:.0f}/min), reused {self.reused}; mean "
                f"{self.mean:.2f} / {self.max_points:g}; outputs in {self.out}")


def load_assignment(name: str):
    """The module holding the assignment's CASES: ``autograder.<name>``, or a dotted path."""
    module_name = name if "." in name else f"autograder.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            raise InputError(f"unknown assignment {name!r} (no module {module_name})") from None
        raise
    if not getattr(module, "CASES", None):
        raise InputError(f"assignment {name!r} defines no CASES")
    return module


def support_files(module) -> dict[str, str]:
    """Files students have next to their notebook, as released: the public checks and the
    assignment's SUPPORT_FILES (e.g. the MNIST loader)."""
    from autograder.notebooks import support_files as extra_files
    from autograder.otter_format import public_module_name

    files = {name: path.read_text() for name, path in extra_files(module).items()}
    spec = importlib.util.find_spec(f"{module.__name__}.public") \
        if hasattr(module, "__path__") else None
    if spec is None or not spec.origin:
        return files
    return {f"{public_module_name(_assignment_name(module))}.py": Path(spec.origin).read_text(),
            **files}


def _assignment_name(module) -> str:
    return getattr(module, "NAME", module.__name__.rsplit(".", 1)[-1])


def secret_paths(module, *folders) -> list[str]:
    """What student code must not see: grading code, solutions, the repository, data."""
    import autograder

    paths = [Path(module.__file__).parent, Path(autograder.__file__).parent, *folders]
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


def grading_files(module) -> list[Path]:
    """Source files whose change makes stored results stale: the grader's own modules and
    every module of the project's packages (autograder, the assignment's, solutions) that
    importing the assignment's CASES loads, found in a fresh interpreter (so what this
    process happens to have loaded does not count)."""
    import json
    import subprocess

    import autograder

    tops = sorted({"autograder", "solutions", module.__name__.split(".")[0]})
    argument = json.dumps([sys.path, module.__name__, tops])
    proc = subprocess.run([sys.executable, "-c", _LOADED_FILES, argument], capture_output=True,
                          text=True, timeout=300, cwd=Path(autograder.__file__).parent.parent)
    if proc.returncode != 0:
        raise InputError(f"importing {module.__name__} failed:\n{proc.stderr[-2000:]}")
    loaded = [Path(f) for f in json.loads(proc.stdout)]
    return sorted({*Path(__file__).parent.rglob("*.py"), *loaded})


def make_job(module, submissions: Path, out: Path, limits: Limits, gpu: bool) -> Job:
    """The Job every submission of a run is graded with: the assignment's GPU questions'
    cases with ``gpu``, the others without. Every machine that grades builds it here
    (executors), so equal fingerprints mean the same grading code and settings."""
    gpu_questions = set(getattr(module, "GPU_QUESTIONS", ()))
    cases = tuple(c for c in module.CASES if (c.question in gpu_questions) == gpu)
    settings = {"limits": limits.__dict__, "cases": [c.id for c in cases], "gpu": gpu}
    plan = isolation.make_plan(secret_paths(module, submissions, out), limits,
                               uid=isolation.student_uid_base(), gpu=gpu)
    benchmark = getattr(module, "BENCHMARK", ())
    return Job(cases, support_files(module), plan, limits,
               results.fingerprint(grading_files(module), settings),
               benchmark if benchmark and benchmark[0] in {c.question for c in cases} else ())


def grade_folder(submissions, out, assignment: str = "optimization", limits: Limits = Limits(),
                 jobs: int = 2, gpu: bool = False, force: bool = False,
                 progress: bool = True, manual: Path | None = None,
                 anonymous: bool = False, executor: Executor | None = None) -> Summary:
    """Grade every submission in ``submissions`` into ``out``; see the module docstring.
    ``manual``: a filled manual.csv of written scores, checked before anything is graded;
    ``anonymous``: pseudonyms on the written-answer pages (written.py); ``executor``:
    where submissions are graded (executors/; default: this machine, ``jobs`` threads)."""
    started = time.monotonic()
    submissions, out = Path(submissions), Path(out)
    if executor is None:
        fork_server()  # starts now, imports its libraries while we import ours
        executor = LocalExecutor(fork_server)
    executor.check()
    found = discover(submissions)
    marking = written.Marking.start(_assignment_name(load_assignment(assignment)), out, found,
                                    manual, anonymous)
    return _grade(found, submissions, out, assignment, limits, jobs, gpu, force, progress,
                  executor, started, marking)


_server: ForkServer | None = None


def fork_server() -> ForkServer:
    """This process's fork server: started on first use, kept for later runs, stopped at
    exit (or when a run is interrupted)."""
    global _server
    if _server is None or _server.closed:
        _server = ForkServer()
        atexit.register(_server.close)
    return _server


def _grade(found, submissions, out, assignment, limits, jobs, gpu, force, progress, executor,
           started, marking) -> Summary:
    module = load_assignment(assignment)
    if gpu and not getattr(module, "GPU_QUESTIONS", ()):
        raise InputError(f"assignment {assignment!r} has no GPU questions (GPU_QUESTIONS)")
    if gpu and not (out / "gradebook.csv").exists():
        raise InputError(f"{out / 'gradebook.csv'}: not found; grade without --gpu first")
    out.mkdir(parents=True, exist_ok=True)
    job = make_job(module, submissions, out, limits, gpu)
    batch = Batch(assignment, str(submissions.resolve()), str(out.resolve()), limits.__dict__,
                  gpu, jobs, job.fingerprint, force)
    todo = [s for s in found if force or not reusable(out, s, job.fingerprint, gpu)]
    done, unfinished, interrupted, failure = 0, {}, False, None
    try:
        outcome = executor.run(todo, batch, job, progress)
        done, unfinished, interrupted = outcome.graded, outcome.unfinished, outcome.interrupted
    except (KeyboardInterrupt, GraderError) as e:
        interrupted, failure = True, e
        if _server is not None:
            _server.close()
    stored = [results.load(out, s.student) for s in found]
    everything = [marking.merge(r if r is not None else _pending(s, unfinished.get(s.student)))
                  for s, r in zip(found, stored)]
    points = {**question_points(module.CASES), **marking.points}
    marking.write(out, found)
    gradebook.write(out, everything, points)
    exports.write_all(out, everything, points, _assignment_name(module))
    feedback.write_all(out, everything, points)
    report.write(out, everything, points)
    if getattr(module, "BENCHMARK", ()):
        leaderboard.write(out, everything)
    if isinstance(failure, GraderError):
        raise failure
    return _summary(everything, points, done, len(found) - len(todo),
                    time.monotonic() - started, out, interrupted, len(unfinished))


def reusable(out: Path, submission: Submission, fingerprint: str, gpu: bool = False) -> bool:
    """Whether ``out`` holds a final result of this very notebook graded this very way
    (``gpu``: its GPU questions by the --gpu run of that ``fingerprint``)."""
    stored = results.load(out, submission.student)
    return stored is not None and stored.final and stored.sha256 == submission.sha256 \
        and (stored.gpu_fingerprint if gpu else stored.fingerprint) == fingerprint


def _pending(submission: Submission, unfinished: Unfinished | None) -> Result:
    why = f"not graded: {unfinished.reason}" if unfinished else "not graded yet (interrupted)"
    return Result(submission.student, submission.source, submission.sha256, "", "error",
                  f"{why}; run the same command again", final=False, meta=submission.meta,
                  staff_only={"log": unfinished.log} if unfinished and unfinished.log else {})


def _summary(everything, points, done, reused, seconds, out, interrupted,
             unfinished) -> Summary:
    statuses = {s: sum(r.status == s for r in everything) for s in results.STATUSES}
    totals = [r.total for r in everything]
    weak = {"filesystem": "student code could read files outside its sandbox",
            "network": "student code had network access"}
    warnings = sorted({f"{text} ({r.isolation[key]})" for r in everything
                       for key, text in weak.items()
                       if r.isolation.get(key, "sealed") not in ("sealed", "none")})
    return Summary(len(everything), done, reused, statuses,
                   sum(totals) / len(totals) if totals else 0.0, sum(points.values()),
                   seconds, out, interrupted, tuple(warnings), unfinished)

