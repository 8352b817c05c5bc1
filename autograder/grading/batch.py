"""Grade a folder of submissions: resume, the Job, outputs.

Submissions whose notebook and grading fingerprint are unchanged since a previous run are
not graded again; the others go to an executor (executors/: threads here, or a Slurm job
array), which saves each result as it finishes (results.py). The gradebook, feedback and
report are rebuilt from all saved results at the end (also after Ctrl-C or a failed
task, with what is done).

Before anything is graded, a run refuses (InputError, one line) an output folder it cannot
write or that holds another assignment's grading, and submissions that are another
assignment's (matching.py; ``force_assignment`` grades them anyway).

One submission can only change its own row: a failure while grading it, saving it or
writing its feedback becomes its status (error, with a message naming it); an output
that cannot be written at all is reported in the summary's warnings, and the others are
written.
"""
from __future__ import annotations

import atexit
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.assignment import Assignment, load_assignment
from autograder.cases import questions as question_points
from autograder.grading import matching, results
from autograder.grading.manual import Marking
from autograder.grading.outputs import (exports, feedback, gradebook, leaderboard, report,
                                        similarity, written)
from autograder.grading.outputs.run import Run
from autograder.notebooks import master_path
from autograder.grading.executors import Batch, Executor, Unfinished
from autograder.grading.executors.local import LocalExecutor
from autograder.grading.results import Result
from autograder.grading.job import make_job
from autograder.grading.runner import Job, Limits
from autograder.grading.sandbox.process import SPARES, ForkServer, GraderError
from autograder.grading.submissions import InputError, Submission, Survey, survey


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


@dataclass(frozen=True)
class Options:
    """One ``grade_folder`` run: what it grades, where it writes, how (see its docstring)."""

    submissions: Path
    out: Path
    assignment: str = "optimization"
    limits: Limits = Limits()
    jobs: int | None = None   # submissions graded at once; None: two per core
    gpu: bool = False
    force: bool = False
    progress: bool = True
    manual: Path | None = None
    anonymous: bool = False
    zeros: bool = False
    force_assignment: bool = False


def grade_folder(submissions, out, assignment: str = "optimization", limits: Limits = Limits(),
                 jobs: int | None = None, gpu: bool = False, force: bool = False,
                 progress: bool = True, manual: Path | None = None,
                 anonymous: bool = False, zeros: bool = False,
                 force_assignment: bool = False, executor: Executor | None = None) -> Summary:
    """Grade every submission in ``submissions`` into ``out``; see the module docstring.
    ``manual``: a filled manual.csv of written scores, checked before anything is graded;
    ``anonymous``: pseudonyms on the written-answer pages (written.py); ``zeros``: rows
    not graded normally count their total in canvas.csv and gradescope.csv (exports.py);
    ``force_assignment``: grade submissions that look like another assignment's;
    ``executor``: where submissions are graded (executors/; default: this machine, ``jobs``
    at once, None: two per core)."""
    started = time.monotonic()
    options = Options(Path(submissions), Path(out), assignment, limits, jobs, gpu, force,
                      progress, manual, anonymous, zeros, force_assignment)
    contract = load_assignment(assignment)
    if gpu and not contract.gpu_questions:
        raise InputError(f"assignment {assignment!r} has no GPU questions (GPU_QUESTIONS)")
    writable(options.out)
    if gpu and not (options.out / "gradebook.csv").exists():
        raise InputError(f"{options.out / 'gradebook.csv'}: not found; grade without --gpu "
                         "first")
    matching.check_out(options.out, contract)
    if executor is None:
        fork_server()  # starts now, imports its libraries while we import ours
        executor = LocalExecutor(fork_server)
    executor.check()
    found = survey(options.submissions, exclude=options.out)
    reason = "" if force_assignment else matching.mismatch(contract, found.submissions)
    if reason:
        raise InputError(reason)
    marking = Marking.start(contract.name, options.out, found.submissions, manual, anonymous)
    matching.record_out(options.out, contract)
    return _grade(options, contract, found, marking, executor, started)


def writable(out: Path) -> None:
    """InputError (one line) unless ``out`` is a folder this process can write in
    (created when missing)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except FileExistsError:
        raise InputError(f"output folder {out}: a file of that name exists") from None
    except OSError as e:
        raise InputError(f"output folder {out}: cannot write there "
                         f"({e.strerror or type(e).__name__})") from None


_server: ForkServer | None = None


def fork_server() -> ForkServer:
    """This process's fork server: started on first use, kept for later runs, stopped at
    exit (or when a run is interrupted)."""
    global _server
    if _server is None or _server.closed:
        _server = ForkServer(spares=SPARES)
        atexit.register(_server.close)
    return _server


def folder_job(assignment: Assignment, submissions: Path, out: Path, limits: Limits,
               gpu: bool) -> Job:
    """The Job every submission of a folder run is graded with: the assignment's GPU
    questions' cases with ``gpu``, the others without; the submissions and outputs secret.
    Every machine that grades a run builds it here (executors/worker.py), so equal
    fingerprints mean the same grading code and settings."""
    gpu_questions = set(assignment.gpu_questions)
    cases = tuple(c for c in assignment.cases if (c.question in gpu_questions) == gpu)
    settings = {"limits": limits.__dict__, "cases": [c.id for c in cases], "gpu": gpu}
    return make_job(assignment, cases, limits, [submissions, out], gpu=gpu, settings=settings)


def _grade(options: Options, assignment: Assignment, surveyed: Survey,
           marking: Marking, executor: Executor, started: float) -> Summary:
    out, gpu, limits = options.out, options.gpu, options.limits
    found = surveyed.submissions
    job = folder_job(assignment, options.submissions, out, limits, gpu)
    batch = Batch(options.assignment, str(options.submissions.resolve()), str(out.resolve()),
                  limits.__dict__, gpu, options.jobs, job.fingerprint, options.force)
    todo = [s for s in found if options.force or not reusable(out, s, job.fingerprint, gpu)]
    done, unfinished, interrupted, failure = 0, {}, False, None
    try:
        outcome = executor.run(todo, batch, job, options.progress)
        done, unfinished, interrupted = outcome.graded, outcome.unfinished, outcome.interrupted
    except (KeyboardInterrupt, GraderError) as e:  # the executor has stopped its grading
        interrupted, failure = True, e
    stored = [results.load(out, s.student) for s in found]
    everything = [marking.merge(replace(r, source=s.source, meta=s.meta) if r is not None
                                else _pending(s, unfinished.get(s.student)))
                  for s, r in zip(found, stored)]
    points = {**question_points(assignment.cases), **marking.points}
    everything = [_writable(r, points) for r in everything]
    warnings = [f"{r.student}: {r.detail}" for r in everything if r.staff_only.get("outputs")]
    try:
        similar: tuple | None = tuple(similarity.similar_pairs(
            found, assignment.cases, similarity.starter_cells(master_path(assignment.name))))
    except Exception as e:  # never expected: the comparison reads code as text only
        similar = None
        warnings.append(f"similar code not compared ({type(e).__name__}: {e})")
    run = Run(everything, points, assignment.name, bool(assignment.benchmark), tuple(found),
              marking, similar, options.zeros, surveyed)
    warnings += write_outputs(out, run)
    if isinstance(failure, GraderError):
        raise failure
    return _summary(everything, points, done, len(found) - len(todo),
                    time.monotonic() - started, out, interrupted, len(unfinished),
                    tuple(warnings) + notes(run))


OUTPUTS = (written, gradebook, exports, feedback, similarity, report,  # in this order
           leaderboard)


def write_outputs(out: Path, run: Run) -> list[str]:
    """Every output of ``outputs/`` (each module's ``write(out, run)``); one that fails
    does not stop the others: returns what failed, as warnings."""
    failures = []
    for output in OUTPUTS:
        try:
            output.write(out, run)
        except Exception as e:
            name = output.__name__.rsplit(".", 1)[-1]
            failures.append(f"the {name} output could not be written ({type(e).__name__}: {e})")
    return failures


def _writable(result: Result, points: dict[str, float]) -> Result:
    """``result``, or when its feedback cannot be written (never expected: results are
    checked and text is made safe), the same submission as an error that says so, with
    nothing of its own left to write."""
    try:
        feedback.pages(result, points)
        return result
    except Exception as e:
        detail = (f"the grader could not write the feedback of {result.student} "
                  f"({type(e).__name__}); the course staff has the details")
        return replace(result, status="error", detail=detail, notebook_errors=[], benchmark={},
                       cases=[{**c, "message": "", "diagnosis": []} for c in result.cases],
                       staff_only={**result.staff_only, "outputs": f"{type(e).__name__}: {e}"})


def reusable(out: Path, submission: Submission, fingerprint: str, gpu: bool = False) -> bool:
    """Whether ``out`` holds a final result of this very notebook graded this very way
    (``gpu``: its GPU questions by the --gpu run of that ``fingerprint``)."""
    stored = results.load(out, submission.student)
    return stored is not None and stored.final and stored.sha256 == submission.sha256 \
        and (stored.gpu_fingerprint if gpu else stored.fingerprint) == fingerprint


def _pending(submission: Submission, unfinished: Unfinished | None) -> Result:
    why = f"not graded: {unfinished.reason}" if unfinished else "not graded yet (interrupted)"
    return Result(submission.student, submission.source, submission.sha256, "", "pending",
                  f"{why}; run the same command again", final=False, meta=submission.meta,
                  staff_only={"log": unfinished.log} if unfinished and unfinished.log else {})


SEVERAL_SHOWN = 5  # people in several submissions named at the end of a run (all: report)


def notes(run: Run) -> tuple[str, ...]:
    """What the end of a run says besides its summary: files not graded, people in several
    submissions, what to know before uploading (each in report.html too)."""
    out = []
    if run.survey is not None and run.survey.ignored:
        out.append(f"{len(run.survey.ignored)} file(s) in the submissions are not graded "
                   "(report.html: Files not graded)")
    several = run.survey.several if run.survey is not None else []
    out += several[:SEVERAL_SHOWN]
    if len(several) > SEVERAL_SHOWN:
        out.append(f"... and {len(several) - SEVERAL_SHOWN} more people in several "
                   "submissions (report.html: Files not graded)")
    return tuple(out + exports.notes(run))


def _summary(everything, points, done, reused, seconds, out, interrupted,
             unfinished, more=()) -> Summary:
    statuses = {s: sum(r.status == s for r in everything) for s in results.STATUSES}
    totals = [r.total for r in everything]
    weak = {"filesystem": "student code could read files outside its sandbox",
            "network": "student code had network access"}
    warnings = sorted({f"{text} ({r.isolation[key]})" for r in everything
                       for key, text in weak.items()
                       if r.isolation.get(key, "sealed") not in ("sealed", "none")})
    return Summary(len(everything), done, reused, statuses,
                   sum(totals) / len(totals) if totals else 0.0, sum(points.values()),
                   seconds, out, interrupted, tuple(warnings) + tuple(more), unfinished)

