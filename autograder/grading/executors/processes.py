"""The grading processes of one machine: how many, and the worker processes beside the
one that grades (``local.grade_all`` uses them, on a local run and in each Slurm task).

Checks compute in Python and hold its global interpreter lock, so the threads of one
process grade with one core however many submissions they hold at once. ``spread`` shares
a run's ``jobs`` among grading processes, one per core: threads in the grading process
itself and in each worker (``python -m autograder.grading.executors.processes``), all
taking submissions from one queue, so that no core waits while submissions are left. GPU
questions are graded one submission at a time, in the grading process.

A worker builds the run's Job itself from the run's ``Batch`` (``batch.folder_job``, as
a Slurm task does) and refuses to grade when its fingerprint differs; it has a fork
server of its own. Submissions reach it as JSON lines on its stdin, at most ``threads``
at a time; it answers with one JSON line per ``Result`` on its stdout, which the grading
process saves (one writer: what is saved is what a run counts, also when it is stopped).
Nothing crosses as a pickle.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable

from autograder.grading.executors import Batch
from autograder.grading.results import Result
from autograder.grading.sandbox.process import GraderError
from autograder.grading.submissions import Submission

SENT_FIELDS = [f.name for f in fields(Submission) if f.name != "written"]  # not graded


@dataclass(frozen=True)
class Spread:
    """``jobs`` submissions graded at once as ``processes`` grading processes (the one
    that grades and its workers) of ``threads`` threads each."""

    processes: int
    threads: int


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def auto_jobs() -> int:
    """Submissions graded at once when the run does not say: two per core (one computes
    while the other's student process answers)."""
    return 2 * cores()


def spread(jobs: int | None, gpu: bool) -> Spread:
    """One grading process per core, ``jobs`` (None: ``auto_jobs``) shared among them;
    one submission at a time for GPU questions (a shared GPU would time students against
    each other)."""
    if gpu:
        return Spread(1, 1)
    jobs = jobs or auto_jobs()
    processes = max(1, min(jobs, cores()))
    return Spread(processes, -(-jobs // processes))


@dataclass(frozen=True)
class Graded:
    """What is reported of one graded submission (``final``: saved)."""

    student: str
    status: str
    total: float
    final: bool
    seconds: float
    detail: str

    @classmethod
    def of(cls, result: Result) -> "Graded":
        return cls(result.student, result.status, result.total, result.final,
                   result.seconds, result.detail)


# ----------------------------------------------------------------------------- the head
class Worker:
    """A worker process, as the grading process sees it: fed submissions, read for
    results. It runs in a session of its own (a terminal's Ctrl-C reaches the grading
    process, which stops it)."""

    def __init__(self, batch: Batch, threads: int):
        self.threads = threads
        self.log = tempfile.TemporaryFile()
        root = str(Path(__file__).resolve().parents[3])
        paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.grading.executors.processes"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            start_new_session=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)})
        self._send({"batch": asdict(batch), "threads": threads})

    def _send(self, message: dict) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def feed(self, take: Callable[[], Submission | None],
             keep: Callable[[Submission, Result], Graded], events: queue.SimpleQueue) -> None:
        """Keep ``threads`` submissions at the worker until none is left; put what
        ``keep`` makes of each result (or the GraderError that ended it) into ``events``."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            sent: dict[str, Submission] = {}  # student -> the submission being graded
            while True:
                while len(sent) < self.threads and (submission := take()) is not None:
                    self._send({k: getattr(submission, k) for k in SENT_FIELDS})
                    sent[submission.student] = submission
                if not sent:
                    self.process.stdin.close()
                    return
                line = self.process.stdout.readline()
                try:
                    result = Result(**json.loads(line)["result"])
                    submission = sent.pop(result.student)
                except (ValueError, KeyError, TypeError):
                    raise GraderError(f"a grading process stopped:\n{self._log_tail()}") \
                        from None
                events.put(keep(submission, result))
        except BaseException as e:
            events.put(e if isinstance(e, GraderError) else
                       GraderError(f"a grading process failed ({type(e).__name__}: {e})"))

    def _log_tail(self) -> str:
        self.process.poll()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def kill(self) -> None:
        """End the worker and its session now (its fork server and student processes)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        """Wait for the worker to finish (its stdin closed: it grades what it holds)."""
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        self.log.close()


# ----------------------------------------------------------------------------- a worker
def main() -> int:
    """A worker: the run's Batch, then submissions, on stdin; a line per Result on
    stdout (not saved here). Exit status 1: the grader failed; 3: this machine grades
    differently."""
    from autograder.assignment import load_assignment
    from autograder.grading import batch as folder_grading
    from autograder.grading.runner import Limits, grade

    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what anything else prints goes to the log, never into the replies
    first = json.loads(sys.stdin.readline())
    batch, threads = Batch(**first["batch"]), first["threads"]
    server = folder_grading.fork_server()
    job = folder_grading.folder_job(load_assignment(batch.assignment),
                                    Path(batch.submissions), Path(batch.out),
                                    Limits(**batch.limits), batch.gpu)
    if job.fingerprint != batch.fingerprint:
        print(f"this grading process grades differently (fingerprint {job.fingerprint}, "
              f"the run's {batch.fingerprint})", file=sys.stderr)
        return 3
    lock = threading.Lock()

    def work(entry: dict) -> None:
        try:
            result = grade(Submission(**entry), job, server)
        except BaseException:  # the grader failed (its fork server is gone): the head
            traceback.print_exc()  # reads why in the log; what is saved stays saved
            sys.stderr.flush()
            os._exit(1)
        with lock:
            replies.write(json.dumps({"result": asdict(result)}) + "\n")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for line in sys.stdin:
            pool.submit(work, json.loads(line))
    server.close()
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)  # all is saved: tearing down torch would only delay the end
