"""Grade one submission: run its notebook in a sandbox, then every case of the assignment.

Time limits count the time the student process takes (running cells, answering calls),
not the checks' own computing, so a busy grading machine does not cost students points.

Public cases run before hidden ones, so no hidden input has reached the student process
when public checks (whose messages students read) look at its values. A case whose
student call runs past its time limit or ends the process fails, the process is replaced
(the notebook runs again) and later cases that need the function that hung or killed it
fail without running: one broken function costs one restart, never the other functions'
cases. The process is started a few times at most; the submission's time budget covers
everything; what it cannot reach fails with the reason.

What students read (``Result.detail``, case messages) depends on hidden inputs only
through the score: a process that ended says so, never its exit code or signal (those are
in ``staff_only["process_ends"]``), time limits are stated as configured, and cell numbers
of later runs of the notebook stay with the staff. Any failure of the grader's own while
grading one submission becomes that submission's result (status error, not final).
"""
from __future__ import annotations

import socket
import time
import traceback
from dataclasses import dataclass, replace

from autograder.cases import CaseResult, run_case, seed_of
from autograder.grading.diagnosis import diagnosed, recording_for, without_stubs
from autograder.grading import results
from autograder.grading.results import Result, case_record
from autograder.grading.sandbox.isolation import Plan
from autograder.grading.sandbox.process import GraderError, SandboxLost, TimeBudget
from autograder.grading.submissions import Submission
from autograder.measurement import BENCHMARK_ARGUMENT, Benchmark, Measurement

MAX_STARTS = 4
OUTPUT_SECONDS = 2.0


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. ``timeout``: wall-clock seconds the student's code may take
    (notebook and every call from the checks); one case may use at most ``case_seconds``
    of it (default: a quarter)."""

    timeout: float = 120.0
    memory_mb: int = 2048     # address space on top of the preloaded libraries
    output_mb: int = 16       # largest file (its printed output included) it may write
    disk_mb: int = 256        # its temporary working directory
    processes: int = 64
    case_seconds: float | None = None

    @property
    def case_timeout(self) -> float:
        return self.case_seconds if self.case_seconds is not None else self.timeout / 4


@dataclass(frozen=True)
class Job:
    """What every submission of a run is graded with."""

    cases: tuple
    files: dict        # support files written next to the notebook (public checks)
    plan: Plan         # isolation.make_plan
    limits: Limits
    fingerprint: str
    benchmark: Benchmark | None = None  # measured once per submission, judged by its cases


def grade(submission: Submission, job: Job, server) -> Result:
    """Grade ``submission``; student failures become failed cases, never exceptions, and
    so does any failure of the grader while handling it (``failed``): only a GraderError
    (the sandbox server itself is gone) leaves here. The result is valid
    (``results.check``)."""
    started = time.monotonic()
    try:
        result = _graded(submission, job, server)
        results.check(result)
    except GraderError:
        raise
    except Exception as e:
        result = failed(submission, job, e)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _graded(submission: Submission, job: Job, server) -> Result:
    result = Result(submission.student, submission.source, submission.sha256, job.fingerprint,
                    skipped_cells=submission.skipped, meta=submission.meta)
    if submission.error:
        result.status, result.detail = "invalid", submission.error
        result.cases = [case_record(c, CaseResult(c, False, f"not graded: {submission.error}"))
                        for c in job.cases]
        return result
    outcomes = _Grading(submission, job, server, result).run()
    result.cases = [case_record(c, outcomes[c.id]) for c in job.cases]
    if result.benchmark is not None and job.benchmark is not None:
        question = job.benchmark.question
        points = sum(c["score"] for c in result.cases if c["question"] == question)
        # with its device: where it ran
        result.benchmark = replace(result.benchmark, points=points, host=socket.gethostname())
    return result


def failed(submission: Submission, job: Job, error: BaseException) -> Result:
    """The result of a submission the grader failed on (``error``): every case failed,
    status error, not final (graded again by the next run); the traceback for the staff."""
    text = (f"the grader failed while grading {submission.student} ({type(error).__name__}); "
            "the course staff has the details")
    result = Result(submission.student, submission.source, submission.sha256, job.fingerprint,
                    "error", text, final=False, meta=submission.meta,
                    staff_only={"grader_error": traceback.format_exc()[-4000:]})
    result.cases = [case_record(c, CaseResult(c, False, f"not graded: {text}"))
                    for c in job.cases]
    return result


class _Grading:
    def __init__(self, submission, job, server, result):
        self.submission, self.job, self.server, self.result = submission, job, server, result
        self.left = job.limits.timeout  # student time left for this submission
        self.student = self.namespace = None  # process.StudentProcess, its globals
        self.starts = 0
        self.poisoned: dict[str, str] = {}
        self.stubs: set[str] = set()   # student functions seen as untouched stubs
        self.seed = seed_of(submission.sha256)   # drawn inputs: the same for a regrade
        self.problems: list[tuple[str, str]] = []   # (status, text)
        self.fatal = ""

    def run(self) -> dict:
        outcomes = {}
        benchmark = self.job.benchmark
        self.needs = sorted({name for case in self.job.cases for name in case.needs}
                            - {BENCHMARK_ARGUMENT} | set(benchmark.needs if benchmark else ()))
        try:
            for case in sorted(self.job.cases, key=lambda c: c.hidden):
                if benchmark is not None and case.question == benchmark.question:
                    outcomes[case.id] = run_case(case, {BENCHMARK_ARGUMENT: self._measured()})
                    continue
                reason = self._blocked(case.needs) or self._ensure_student(self.needs)
                outcomes[case.id] = CaseResult(case, False, f"not run: {reason}") if reason \
                    else self._run(case)
        finally:
            self._close_student()
        self._summarize()
        return {key: without_stubs(result, self.stubs) for key, result in outcomes.items()}

    def _measured(self) -> Measurement:
        """The submission's one benchmark measurement, taken on first use in a process
        of its own (which is closed after: threads it left must not run beside later
        cases)."""
        if self.result.benchmark is None:
            self.result.benchmark = self._measure()
            self._close_student()
        return self.result.benchmark

    def _measure(self) -> Measurement:
        benchmark = self.job.benchmark
        reason = self._blocked(benchmark.needs) or self._ensure_student(self.needs)
        if reason:
            return Measurement.failed(f"not run: {reason}")
        missing = [n for n in benchmark.needs if n not in self.namespace]
        if missing:
            return Measurement.failed(f"not defined: {', '.join(missing)}")
        budget = TimeBudget(min(self.job.limits.case_timeout, self.left))
        try:
            with self.student.charged_to(budget):
                return benchmark.measure(*(self.namespace[n] for n in benchmark.needs))
        except SandboxLost as lost:
            return Measurement.failed(self._lost(lost, budget.seconds, benchmark.question))
        finally:
            self.left -= budget.spent
            self._poison_out_of_memory(benchmark.question)

    def _close_student(self) -> None:
        if self.student is not None:
            self._keep_output()
            self.student.close()
            self.student = None

    def _blocked(self, needs) -> str:
        if self.fatal:
            return self.fatal
        hung = next((self.poisoned[n] for n in needs if n in self.poisoned), "")
        if hung:
            return hung
        if self.left <= 0:
            self._problem("timeout", f"time limit of {self.job.limits.timeout:g} s exceeded")
            return f"time limit of {self.job.limits.timeout:g} s per submission exceeded"
        return ""

    def _ensure_student(self, needs) -> str:
        if self.student is not None:
            return ""
        if self.starts >= MAX_STARTS:
            return f"the student process ended {self.starts} times"
        self.starts += 1
        student, budget = self.server.spawn(self.job.plan), TimeBudget(self.left)
        try:
            with student.charged_to(budget):
                executed = student.execute(self.submission.cells, self.job.files)
                if self.starts == 1:  # later runs follow hidden cases: errors are staff-only
                    self.result.notebook_errors = executed["errors"]
                else:
                    self.result.staff_only.setdefault("later_notebook_errors", []).append(
                        executed["errors"])
                self.result.isolation = executed["isolation"]
                self.namespace = student.describe(needs)
        except SandboxLost as lost:
            student.close()
            # a later run follows hidden cases: where it stopped is for the staff only
            where = f"the notebook (cell {student.cell})" \
                if student.cell is not None and self.starts == 1 else "the notebook"
            self._staff(lost, f"the notebook (cell {student.cell})")
            self.fatal = self._lost_text(lost, where, submission_limit=True)
            self._problem(_status(lost), self.fatal)
            if lost.kind == "setup":
                self.result.final = False
            return self.fatal
        finally:
            self.left -= budget.spent
        self.student = student
        return ""

    def _run(self, case) -> CaseResult:
        budget = TimeBudget(min(self.job.limits.case_timeout, self.left))
        try:
            with self.student.charged_to(budget):
                recording = recording_for(case, self.namespace)
                result = diagnosed(run_case(case, recording.namespace, self.seed), recording)
                self.stubs |= recording.stubs()
                return result
        except SandboxLost as lost:
            return CaseResult(case, False, self._lost(lost, budget.seconds, case.id))
        finally:
            self.left -= budget.spent
            self._poison_out_of_memory(case.id)

    def _poison_out_of_memory(self, where: str) -> None:
        """A function that exhausted the memory limit costs its later cases, never the
        others' time: filling the limit again on every call can take seconds (as a hung
        or dying function is blocked)."""
        name = self.student.out_of_memory if self.student is not None else None
        if name:
            self.poisoned.setdefault(name, f"{name} ran out of memory in {where}")
            self.student.out_of_memory = None

    def _lost(self, lost: SandboxLost, seconds: float, where: str) -> str:
        """Close the lost student process, record why (how it ended: for the staff), and
        block the later cases that need the function that hung or ended it; returns the
        text students read for the case (or measurement) at ``where``."""
        self.student.close()
        self.student = None
        self._staff(lost, f"{where}: {lost.target}")
        named = lost.target if lost.target in self.namespace or \
            lost.target.startswith("the ") else "a student object"  # named by the student
        text = self._lost_text(lost, named, seconds < self.job.limits.case_timeout)
        self._problem(_status(lost), f"{where}: {text}")
        what = {"timeout": "ran out of time", "died": "ended the student process"}
        if lost.kind in what:
            self.poisoned.setdefault(lost.target, f"{named} {what[lost.kind]} in {where}")
        return text

    def _keep_output(self) -> None:
        """What the student printed, kept for the staff (results/<student>.json) only."""
        try:
            with self.student.charged_to(TimeBudget(OUTPUT_SECONDS)):
                output = self.student.output()
            kept = self.result.staff_only.get("output")
            self.result.staff_only["output"] = f"{kept}\n{output}" if kept else output
        except SandboxLost:
            pass

    def _staff(self, lost: SandboxLost, where: str) -> None:
        """How the process ended (exit code, signal), for the course staff only."""
        self.result.staff_only.setdefault("process_ends", []).append(
            f"{where}: {lost.kind}: {lost.staff}")

    def _lost_text(self, lost: SandboxLost, where: str, submission_limit: bool) -> str:
        """What students read: fixed texts, the limits as configured (``submission_limit``:
        what was left of the submission's time ran out, rather than the case's)."""
        limits = self.job.limits
        if lost.kind == "timeout":
            limit = f"{limits.timeout:g} s per submission" if submission_limit else \
                f"{limits.case_timeout:g} s per case"
            return f"time limit: {where} did not finish within {limit}"
        if lost.kind == "setup":
            return lost.detail
        return f"the student process ended during {where}" + \
            (f": {lost.detail}" if lost.detail else "")

    def _problem(self, status: str, text: str) -> None:
        if (status, text) not in self.problems:
            self.problems.append((status, text))

    def _summarize(self) -> None:
        statuses = {status for status, _ in self.problems}
        self.result.status = "timeout" if "timeout" in statuses else \
            "error" if "error" in statuses else "graded"
        texts = [text for _, text in self.problems]
        errors = self.result.notebook_errors
        if errors:
            first = errors[0]
            texts.append(f"{len(errors)} cell(s) raised errors, first: cell {first['cell']}: "
                         f"{first['error'][:200]}")
        self.result.detail = "; ".join(texts)[:1000]


def _status(lost: SandboxLost) -> str:
    return "timeout" if lost.kind == "timeout" else "error"
