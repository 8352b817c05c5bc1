"""Grading on this machine, with every core: ``grade_all`` grades a list of submissions
in the grading processes ``processes.spread`` sizes to the machine (threads here and in
worker processes), saving each result as its submission finishes. It is the one path
that grades: a local run and each Slurm task (``worker``) call it."""
from __future__ import annotations

import collections
import queue
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable

from autograder.grading import results
from autograder.grading.executors import Batch, Outcome
from autograder.grading.executors.processes import Graded, Worker, spread
from autograder.grading.results import Result
from autograder.grading.runner import Job, failed, grade
from autograder.grading.sandbox.process import ForkServer
from autograder.grading.submissions import Submission


class LocalExecutor:
    """This machine; ``server()`` gives the fork server (started early by batch)."""

    def __init__(self, server: Callable[[], ForkServer]):
        self.server = server

    def check(self) -> None:
        return None

    def run(self, todo: list[Submission], batch: Batch, job: Job, progress: bool) -> Outcome:
        from tqdm import tqdm

        with tqdm(total=len(todo), unit="submission", disable=not progress or not todo,
                  dynamic_ncols=True) as bar:
            graded = []

            def shown(result: Graded) -> None:
                graded.append(result.student)
                bar.set_postfix_str(f"{result.student}: {result.status} {result.total:g}",
                                    refresh=False)
                bar.update()
            try:
                grade_all(todo, job, self.server(), batch, shown)
            except KeyboardInterrupt:  # Ctrl-C or a stopping signal: what is saved stays
                return Outcome(len(graded), interrupted=True)
            return Outcome(len(graded))


def grade_all(todo: list[Submission], job: Job, server: ForkServer, batch: Batch,
              on_result: Callable[[Graded], None] = lambda graded: None) -> int:
    """Grade ``todo`` with ``batch.jobs`` at once (``processes.spread``): threads here
    with ``server``, the same number in each worker process, all taking from one queue.
    Each result is saved into ``batch.out`` here as it finishes (``gpu``: merged into the
    stored one; one that is not ``final``, the grader having failed on it, is saved as an
    error and graded again by the next run; one that cannot be saved becomes that error),
    then ``on_result`` sees it. Returns how many were graded. On an exception (Ctrl-C,
    GraderError) everything stops: the workers are killed, ``server`` is closed (its
    student processes end), and what was still being graded is not saved."""
    layout = spread(batch.jobs, batch.gpu)
    out, stopping = Path(batch.out), threading.Event()
    waiting, lock = collections.deque(todo), threading.Lock()
    events: queue.SimpleQueue = queue.SimpleQueue()  # Graded, or the exception that stops

    def take() -> Submission | None:
        with lock:
            return None if stopping.is_set() or not waiting else waiting.popleft()

    def keep(submission: Submission, result: Result) -> Graded:
        if stopping.is_set():
            return Graded.of(result)  # cut short: not saved, graded again next run
        try:  # saved even when not final: its row says why; the next run grades it again
            if batch.gpu:
                result = _merge_gpu(results.load(out, submission.student), result)
            results.save(out, result)
        except Exception as e:  # a result that does not check: this submission's failure
            result = failed(submission, job, e)
            results.save(out, result)
        return Graded.of(result)

    def here() -> None:
        try:
            while (submission := take()) is not None:
                events.put(keep(submission, grade(submission, job, server)))
        except BaseException as e:
            events.put(e)

    workers = [Worker(batch, layout.threads)
               for _ in range(min(layout.processes, len(todo)) - 1)]
    threads = [threading.Thread(target=here, daemon=True) for _ in range(layout.threads)]
    threads += [threading.Thread(target=w.feed, args=(take, keep, events), daemon=True)
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


def _merge_gpu(stored: Result | None, new: Result) -> Result:
    """The stored result with the GPU questions' cases replaced by ``new``'s, marked as
    graded by ``new``'s (GPU) grading."""
    if stored is None:
        return replace(new, gpu_fingerprint=new.fingerprint)
    questions = {c["question"] for c in new.cases}
    keep = [c for c in stored.cases if c["question"] not in questions]
    status = stored.status if stored.status != "graded" else new.status
    detail = "; ".join(d for d in (stored.detail, new.detail and f"GPU: {new.detail}") if d)
    return replace(stored, cases=keep + new.cases, status=status, detail=detail,
                   final=stored.final and new.final, benchmark=new.benchmark,
                   gpu_fingerprint=new.fingerprint)
