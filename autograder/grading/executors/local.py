"""Grading on this machine: ``jobs`` threads share one fork server; each result is saved as
its submission finishes. ``grade_all`` is also what a remote worker runs on its share."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Callable

from autograder.grading import results
from autograder.grading.executors import Batch, Outcome
from autograder.grading.sandbox.process import ForkServer
from autograder.grading.results import Result
from autograder.grading.runner import Job, grade
from autograder.grading.submissions import Submission


class LocalExecutor:
    """Threads on this machine; ``server()`` gives the fork server (started early by batch)."""

    def __init__(self, server: Callable[[], ForkServer]):
        self.server = server

    def check(self) -> None:
        return None

    def run(self, todo: list[Submission], batch: Batch, job: Job, progress: bool) -> Outcome:
        from tqdm import tqdm

        with tqdm(total=len(todo), unit="submission", disable=not progress or not todo,
                  dynamic_ncols=True) as bar:
            def shown(result: Result) -> None:
                bar.set_postfix_str(f"{result.student}: {result.status} {result.total:g}",
                                    refresh=False)
                bar.update()
            count = grade_all(todo, job, self.server(), Path(batch.out), batch.jobs,
                              batch.gpu, shown)
        return Outcome(count)


def grade_all(todo: list[Submission], job: Job, server: ForkServer, out: Path, jobs: int,
              gpu: bool, on_result: Callable[[Result], None] = lambda result: None) -> int:
    """Grade ``todo`` in ``jobs`` threads, saving each final result into ``out`` as it
    finishes (GPU questions one submission at a time: a shared GPU would time students
    against each other); ``on_result`` sees every result after that (one that is not
    ``final``, the grader having failed on it, is not saved). Returns how many were
    graded. On an exception (Ctrl-C, GraderError) the server is closed, which ends every
    student process, and what was still running is not saved."""
    jobs = 1 if gpu else jobs
    stopping = threading.Event()

    def work(submission: Submission) -> Result:
        result = grade(submission, job, server)
        if stopping.is_set():
            return result  # cut short: not saved, graded again next run
        if gpu:
            result = _merge_gpu(results.load(out, submission.student), result)
        if result.final:
            results.save(out, result)
        return result

    count = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(work, s) for s in todo]
        try:
            for future in as_completed(futures):
                on_result(future.result())
                count += 1
        except BaseException:
            stopping.set()
            for future in futures:
                future.cancel()
            server.close()  # ends every student process; running jobs return at once
            raise
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
