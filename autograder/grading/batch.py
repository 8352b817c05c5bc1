"""Grade a folder of submissions: resume, parallel jobs, progress bar, outputs.

Results are saved per submission as each finishes (results.py); submissions whose
notebook and grading fingerprint are unchanged since a previous run are not graded
again. The gradebook, feedback and report are rebuilt from all saved results at the end
(also after Ctrl-C, with what is done).

One submission can only change its own row: a failure while grading it, saving it or
writing its feedback becomes its status (error, with a message naming it); an output
that cannot be written at all is reported in the summary's warnings, and the others are
written.
"""
from __future__ import annotations

import atexit
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.assignment import Assignment, load_assignment
from autograder.cases import questions as question_points
from autograder.grading import results
from autograder.grading.manual import Marking
from autograder.grading.outputs import (exports, feedback, gradebook, leaderboard, report,
                                        similarity, written)
from autograder.grading.outputs.run import Run
from autograder.notebooks import master_path
from autograder.grading.results import Result
from autograder.grading.job import make_job
from autograder.grading.runner import Limits, failed, grade
from autograder.grading.sandbox.process import ForkServer, GraderError
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
    jobs: int = 2
    gpu: bool = False
    force: bool = False
    progress: bool = True
    manual: Path | None = None
    anonymous: bool = False


def grade_folder(submissions, out, assignment: str = "optimization", limits: Limits = Limits(),
                 jobs: int = 2, gpu: bool = False, force: bool = False,
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
        _server = ForkServer()
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
    stopping = threading.Event()
    done, interrupted, failure = 0, False, None
    try:
        done = _run(todo, job, server, out, options.jobs, gpu, options.progress, stopping)
    except (KeyboardInterrupt, GraderError) as e:
        interrupted, failure = True, e
        server.close()
    stored = [results.load(out, s.student) for s in found]
    everything = [marking.merge(r if r is not None else _pending(s))
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
    warnings += write_outputs(out, Run(everything, points, assignment.name,
                                       bool(assignment.benchmark), tuple(found), marking,
                                       similar))
    if isinstance(failure, GraderError):
        raise failure
    return _summary(everything, points, done, len(found) - len(todo),
                    time.monotonic() - started, out, interrupted, warnings)


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


def _run(todo, job, server, out, jobs, gpu, progress, stopping) -> int:
    """Grade ``todo`` in ``jobs`` threads; GPU questions one submission at a time (a shared
    GPU would time students against each other)."""
    from tqdm import tqdm

    jobs = 1 if gpu else jobs

    def work(submission: Submission) -> Result:
        result = grade(submission, job, server)
        if stopping.is_set():
            return result  # cut short by Ctrl-C: not saved, graded again next run
        try:  # saved even when not final: its row says why; the next run grades it again
            if gpu:
                result = _merge_gpu(results.load(out, submission.student), result)
            results.save(out, result)
        except Exception as e:  # a result that does not check: this submission's failure
            result = failed(submission, job, e)
            results.save(out, result)
        return result

    count = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(todo), unit="submission", disable=not progress or not todo,
                 dynamic_ncols=True) as bar:
        futures = [pool.submit(work, s) for s in todo]
        try:
            for future in as_completed(futures):
                result = future.result()
                count += 1
                bar.set_postfix_str(f"{result.student}: {result.status} {result.total:g}",
                                    refresh=False)
                bar.update()
        except BaseException:
            stopping.set()
            for future in futures:
                future.cancel()
            server.close()  # ends every student process; running jobs return at once
            raise
    return count


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


def _summary(everything, points, done, reused, seconds, out, interrupted,
             problems: list[str]) -> Summary:
    statuses = {s: sum(r.status == s for r in everything) for s in results.STATUSES}
    totals = [r.total for r in everything]
    weak = {"filesystem": "student code could read files outside its sandbox",
            "network": "student code had network access"}
    warnings = sorted({f"{text} ({r.isolation[key]})" for r in everything
                       for key, text in weak.items()
                       if r.isolation.get(key, "sealed") not in ("sealed", "none")})
    return Summary(len(everything), done, reused, statuses,
                   sum(totals) / len(totals) if totals else 0.0, sum(points.values()),
                   seconds, out, interrupted, tuple(warnings + problems))

