"""Grade a folder of submissions: resume, parallel jobs, progress bar, outputs.

Results are saved per submission as each finishes (results.py); submissions whose
notebook and grading fingerprint are unchanged since a previous run are not graded
again. The gradebook, feedback and report are rebuilt from all saved results at the end
(also after Ctrl-C, with what is done).
"""
from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.assignment import Assignment, load_assignment
from autograder.cases import questions as question_points
from autograder.grading import results, workers
from autograder.grading.manual import Marking
from autograder.grading.outputs import (exports, feedback, gradebook, leaderboard, report,
                                        similarity, written)
from autograder.grading.outputs.run import Run
from autograder.notebooks import master_path
from autograder.grading.results import Result
from autograder.grading.job import make_job
from autograder.grading.runner import Limits
from autograder.grading.sandbox.process import SPARES, ForkServer, GraderError
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

    def line(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.statuses.items() if n)
        rate = self.graded_now / self.seconds * 60 if self.seconds > 0 else 0.0
        head = "interrupted: " if self.interrupted else ""
        return (f"{head}{self.total} submissions ({counts}); graded {self.graded_now} in "
                f"{self.seconds:.1f} s ({rate:.0f}/min), reused {self.reused}; mean "
                f"{self.mean:.2f} / {self.max_points:g}; outputs in {self.out}")


@dataclass(frozen=True)
class Options:
    """One ``grade_folder`` run: what it grades, where it writes, how (see its docstring)."""

    submissions: Path
    out: Path
    assignment: str = "optimization"
    limits: Limits = Limits()
    jobs: int | None = None   # submissions graded at once; None: workers.auto_jobs()
    gpu: bool = False
    force: bool = False
    progress: bool = True
    manual: Path | None = None
    anonymous: bool = False


def grade_folder(submissions, out, assignment: str = "optimization", limits: Limits = Limits(),
                 jobs: int | None = None, gpu: bool = False, force: bool = False,
                 progress: bool = True, manual: Path | None = None,
                 anonymous: bool = False) -> Summary:
    """Grade every submission in ``submissions`` into ``out``; see the module docstring.
    ``manual``: a filled manual.csv of written scores, checked before anything is graded;
    ``anonymous``: pseudonyms on the written-answer pages (written.py)."""
    started = time.monotonic()
    options = Options(Path(submissions), Path(out), assignment, limits, jobs, gpu, force,
                      progress, manual, anonymous)
    found = discover(options.submissions)
    contract = load_assignment(assignment)
    marking = Marking.start(contract.name, options.out, found, manual, anonymous)
    server = fork_server()  # starts now, imports its libraries while we import ours
    return _grade(options, contract, found, marking, server, started)


_server: ForkServer | None = None


def fork_server() -> ForkServer:
    """This process's fork server: started on first use, kept for later runs, stopped at
    exit (or when a run is interrupted)."""
    global _server
    if _server is None or _server.closed:
        _server = ForkServer(spares=SPARES)
        atexit.register(_server.close)
    return _server


def _grade(options: Options, assignment: Assignment, found: list[Submission],
           marking: Marking, server: ForkServer, started: float) -> Summary:
    out, gpu, limits = options.out, options.gpu, options.limits
    gpu_questions = set(assignment.gpu_questions)
    if gpu and not gpu_questions:
        raise InputError(f"assignment {options.assignment!r} has no GPU questions "
                         "(GPU_QUESTIONS)")
    if gpu and not (out / "gradebook.csv").exists():
        raise InputError(f"{out / 'gradebook.csv'}: not found; grade without --gpu first")
    cases = tuple(c for c in assignment.cases if (c.question in gpu_questions) == gpu)
    out.mkdir(parents=True, exist_ok=True)
    settings = {"limits": limits.__dict__, "cases": [c.id for c in cases], "gpu": gpu}
    job = make_job(assignment, cases, limits, [options.submissions, out], gpu=gpu,
                   settings=settings)
    todo = [s for s in found
            if gpu or options.force or not _reusable(out, s, job.fingerprint)]
    layout = workers.spread(options.jobs or workers.auto_jobs(), gpu)
    spec = workers.WorkerSpec(options.assignment, [c.id for c in cases], limits.__dict__,
                              [str(options.submissions), str(out)], gpu, job.fingerprint,
                              str(out), layout.threads)
    stopping = threading.Event()
    done, interrupted, failure = 0, False, None
    try:
        done = _run(todo, job, spec, layout, server, out, gpu, options.progress, stopping)
    except (KeyboardInterrupt, GraderError) as e:
        interrupted, failure = True, e
        server.close()
    stored = [results.load(out, s.student) for s in found]
    everything = [marking.merge(r if r is not None else _pending(s))
                  for s, r in zip(found, stored)]
    points = {**question_points(assignment.cases), **marking.points}
    similar = similarity.similar_pairs(found, assignment.cases,
                                       similarity.starter_cells(master_path(assignment.name)))
    write_outputs(out, Run(everything, points, assignment.name, bool(assignment.benchmark),
                           tuple(found), marking, tuple(similar)))
    if isinstance(failure, GraderError):
        raise failure
    return _summary(everything, points, done, len(found) - len(todo),
                    time.monotonic() - started, out, interrupted)


OUTPUTS = (written, gradebook, exports, feedback, similarity, report,  # in this order
           leaderboard)


def write_outputs(out: Path, run: Run) -> None:
    """Every output of ``outputs/`` (each module's ``write(out, run)``)."""
    for output in OUTPUTS:
        output.write(out, run)


def _run(todo, job, spec, layout, server, out, gpu, progress, stopping) -> int:
    """Grade ``todo`` with ``layout``'s processes and threads (workers.grade_all), with a
    progress bar."""
    from tqdm import tqdm

    def merge(result: Result) -> Result:
        return _merge_gpu(results.load(out, result.student), result) if gpu else result

    with tqdm(total=len(todo), unit="submission", disable=not progress or not todo,
              dynamic_ncols=True) as bar:
        def shown(graded: workers.Graded) -> None:
            bar.set_postfix_str(f"{graded.student}: {graded.status} {graded.total:g}",
                                refresh=False)
            bar.update()
        return workers.grade_all(todo, job, server, out, spec, layout, shown, stopping,
                                 merge)


def _reusable(out: Path, submission: Submission, fingerprint: str) -> bool:
    stored = results.load(out, submission.student)
    return stored is not None and stored.final and stored.sha256 == submission.sha256 \
        and stored.fingerprint == fingerprint


def _merge_gpu(stored: Result | None, new: Result) -> Result:
    """The stored result with the GPU questions' cases replaced by ``new``'s."""
    if stored is None:
        return new
    questions = {c["question"] for c in new.cases}
    keep = [c for c in stored.cases if c["question"] not in questions]
    status = stored.status if stored.status != "graded" else new.status
    detail = "; ".join(d for d in (stored.detail, new.detail and f"GPU: {new.detail}") if d)
    return replace(stored, cases=keep + new.cases, status=status, detail=detail,
                   final=stored.final and new.final, benchmark=new.benchmark)


def _pending(submission: Submission) -> Result:
    return Result(submission.student, submission.source, submission.sha256, "", "error",
                  "not graded yet (interrupted); run the same command again", final=False,
                  meta=submission.meta)


def _summary(everything, points, done, reused, seconds, out, interrupted) -> Summary:
    statuses = {s: sum(r.status == s for r in everything) for s in results.STATUSES}
    totals = [r.total for r in everything]
    weak = {"filesystem": "student code could read files outside its sandbox",
            "network": "student code had network access"}
    warnings = sorted({f"{text} ({r.isolation[key]})" for r in everything
                       for key, text in weak.items()
                       if r.isolation.get(key, "sealed") not in ("sealed", "none")})
    return Summary(len(everything), done, reused, statuses,
                   sum(totals) / len(totals) if totals else 0.0, sum(points.values()),
                   seconds, out, interrupted, tuple(warnings))

