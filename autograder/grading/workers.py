"""Grading a run's submissions on this machine, with every core.

Checks compute in Python and hold its global interpreter lock, so the threads of one
process grade with one core however many submissions they hold at once. ``grade_all``
spreads the run's ``jobs`` over ``processes`` grading processes (``spread``: one per core):
threads in this process and in each worker process (``python -m
autograder.grading.workers``), all taking submissions from one queue, so that no core waits
while submissions are left. GPU questions are graded one submission at a time, here.

A worker builds the run's Job itself from a ``WorkerSpec`` (``make_job``: the same cases,
support files, limits and secret paths, the head's fingerprint), with a fork server of its
own, and saves each result as it finishes (``results.save``), as the threads here do.
Submissions reach it as JSON lines on its stdin, at most ``threads`` at a time; it answers
with one JSON line per result on its stdout (``Graded``). Nothing crosses as a pickle.
"""
from __future__ import annotations

import collections
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Callable

from autograder.grading import results
from autograder.grading.results import Result
from autograder.grading.runner import Job, Limits, grade
from autograder.grading.sandbox.process import SPARES, ForkServer, GraderError
from autograder.grading.submissions import Submission

SENT_FIELDS = [f.name for f in fields(Submission) if f.name != "written"]  # not graded


@dataclass(frozen=True)
class Spread:
    """``jobs`` submissions graded at once as ``processes`` grading processes (this one
    and workers) of ``threads`` threads each."""

    processes: int
    threads: int


def spread(jobs: int, gpu: bool) -> Spread:
    """One grading process per core, the jobs shared among them (one in all for GPU
    questions: a shared GPU would time students against each other)."""
    if gpu:
        return Spread(1, 1)
    processes = max(1, min(jobs, len(os.sched_getaffinity(0))))
    return Spread(processes, -(-jobs // processes))


def auto_jobs() -> int:
    """Submissions graded at once when the run does not say: two per core (one computes
    while the other's student process answers)."""
    return 2 * len(os.sched_getaffinity(0))


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker builds the run's Job from (JSON): the assignment, the ids of the cases
    graded, runner.Limits as a dict, the secret folders (submissions, outputs), the head's
    fingerprint; where results go; how many submissions it grades at once."""

    assignment: str
    cases: list[str]
    limits: dict
    secret: list[str]
    gpu: bool
    fingerprint: str
    out: str
    threads: int

    def job(self) -> Job:
        from autograder.assignment import load_assignment
        from autograder.grading.job import make_job

        assignment = load_assignment(self.assignment)
        cases = tuple(c for c in assignment.cases if c.id in set(self.cases))
        job = make_job(assignment, cases, Limits(**self.limits),
                       [Path(p) for p in self.secret], gpu=self.gpu, settings=None)
        return replace(job, fingerprint=self.fingerprint)


@dataclass(frozen=True)
class Graded:
    """What a worker reports of one submission it graded (``final``: saved)."""

    student: str
    status: str
    total: float
    final: bool

    @classmethod
    def of(cls, result: Result) -> "Graded":
        return cls(result.student, result.status, result.total, result.final)


def grade_one(submission: Submission, job: Job, server: ForkServer, out: Path,
              stopping: threading.Event,
              merge: Callable[[Result], Result] = lambda result: result) -> Result:
    """Grade ``submission`` and save its result (``merge``d with what is stored) when it
    is final and the run is not stopping (cut short: graded again next run)."""
    result = grade(submission, job, server)
    if not stopping.is_set():
        result = merge(result)
        if result.final:
            results.save(out, result)
    return result


# ----------------------------------------------------------------------------- the head
def grade_all(todo: list[Submission], job: Job, server: ForkServer, out: Path,
              spec: WorkerSpec | None, layout: Spread, on_result: Callable[[Graded], None],
              stopping: threading.Event,
              merge: Callable[[Result], Result] = lambda result: result) -> int:
    """Grade ``todo``: ``layout.threads`` threads here with ``server``, the same in each of
    ``layout.processes - 1`` workers built from ``spec``; ``on_result`` sees each result
    here. Returns how many were graded. On an exception (Ctrl-C, GraderError) everything
    stops: the workers are killed, ``server`` is closed (its student processes end), and
    what was being graded is not saved."""
    waiting = collections.deque(todo)
    lock = threading.Lock()
    events: queue.SimpleQueue = queue.SimpleQueue()  # Graded, or the exception that stops

    def take() -> Submission | None:
        with lock:
            return None if stopping.is_set() or not waiting else waiting.popleft()

    def here() -> None:
        try:
            while (submission := take()) is not None:
                events.put(Graded.of(grade_one(submission, job, server, out, stopping,
                                               merge)))
        except BaseException as e:
            events.put(e)

    workers = [Worker(spec) for _ in range(layout.processes - 1)] if spec is not None else []
    threads = [threading.Thread(target=here, daemon=True) for _ in range(layout.threads)]
    threads += [threading.Thread(target=w.feed, args=(take, events), daemon=True)
                for w in workers]
    count = 0
    try:
        for thread in threads:
            thread.start()
        while count < len(todo):
            event = events.get()
            if isinstance(event, BaseException):
                raise event
            on_result(event)
            count += 1
    except BaseException:
        stopping.set()
        for worker in workers:
            worker.kill()
        server.close()  # ends every student process here; running threads return at once
        raise
    finally:
        for worker in workers:
            worker.close()
    return count


class Worker:
    """A worker process, as the head sees it: fed submissions, read for results."""

    def __init__(self, spec: WorkerSpec):
        self.spec = spec
        self.log = tempfile.TemporaryFile()
        root = str(Path(__file__).resolve().parents[2])
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.grading.workers"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, start_new_session=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)})
        self._send(asdict(spec))

    def _send(self, message: dict) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def feed(self, take: Callable[[], Submission | None], events: queue.SimpleQueue) -> None:
        """Keep ``spec.threads`` submissions at the worker until none is left; put what it
        graded (or the GraderError that ended it) into ``events``."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            busy = 0
            while True:
                while busy < self.spec.threads and (submission := take()) is not None:
                    self._send({k: getattr(submission, k) for k in SENT_FIELDS})
                    busy += 1
                if busy == 0:
                    self.process.stdin.close()
                    return
                line = self.process.stdout.readline()
                try:
                    message = json.loads(line) if line else {}
                    graded = Graded(**message["graded"])
                except (ValueError, KeyError, TypeError):
                    raise GraderError(f"a grading process stopped:\n{self._log_tail()}") \
                        from None
                busy -= 1
                events.put(graded)
        except BaseException as e:
            events.put(e if isinstance(e, GraderError) else
                       GraderError(f"a grading process failed ({type(e).__name__}: {e})"))

    def _log_tail(self) -> str:
        self.process.poll()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def kill(self) -> None:
        self.process.kill()

    def close(self) -> None:
        """Wait for the worker to finish (its stdin closed: it grades what it holds)."""
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        self.log.close()


# ----------------------------------------------------------------------------- a worker
def main() -> int:
    """The worker: a WorkerSpec, then submissions, on stdin; a line per result on stdout."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what anything else prints goes to the log, never into the replies
    spec = WorkerSpec(**json.loads(sys.stdin.readline()))
    job, out, stopping = spec.job(), Path(spec.out), threading.Event()
    lock = threading.Lock()

    def work(entry: dict) -> None:
        try:
            result = grade_one(Submission(**entry), job, server, out, stopping)
        except BaseException:  # the grader failed (its fork server is gone): the head
            traceback.print_exc()  # reads why in the log, what is saved stays saved
            sys.stderr.flush()
            os._exit(1)
        with lock:
            replies.write(json.dumps({"graded": asdict(Graded.of(result))}) + "\n")

    with ForkServer(spares=SPARES) as server, \
            ThreadPoolExecutor(max_workers=spec.threads) as pool:
        for line in sys.stdin:
            pool.submit(work, json.loads(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
