"""A remote worker: grades one share of a run folder.

    python -m autograder.grading.executors.worker RUN_FOLDER [--share I]
        (I defaults to $SLURM_ARRAY_TASK_ID)

First it writes ``started/<i>.json`` into the run folder (the head's proof that this node
sees OUT), builds the run's Job here (``batch.folder_job``) and refuses to grade when the
fingerprint differs from the head's (other grading code or settings on this node: the
marker says so, the head stops the run). Then it grades the share with
``local.grade_all``, exactly as a local run does (a grading process per core of the
task): each result saved as it finishes, one progress line per result, ``done/<i>.json``
once the whole share is graded. Killed at any point, it leaves the submissions it had
not finished without a result. A submission with a reusable result already (a requeued
task) is skipped, unless the run is --force.
Exit status: 0 done, 1 the grader failed, 3 this node grades differently.
"""
from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from autograder.assignment import load_assignment
from autograder.grading import batch as folder_grading
from autograder.grading.executors import Batch
from autograder.grading.executors.local import grade_all
from autograder.grading.executors.processes import Graded
from autograder.grading.executors.run_folder import RunFolder
from autograder.grading.runner import Job, Limits
from autograder.grading.sandbox.process import ForkServer, GraderError

DIFFERENT_GRADER = 3


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.grading.executors.worker")
    p.add_argument("run_folder")
    p.add_argument("--share", type=int, default=None)
    args = p.parse_args(argv)
    run = RunFolder(args.run_folder)
    i = args.share if args.share is not None else int(os.environ["SLURM_ARRAY_TASK_ID"])
    batch = run.batch()
    server = folder_grading.fork_server()  # imports its libraries meanwhile
    try:
        job = folder_grading.folder_job(load_assignment(batch.assignment),
                                        Path(batch.submissions), Path(batch.out),
                                        Limits(**batch.limits), batch.gpu)
        problem = "" if job.fingerprint == batch.fingerprint else (
            f"the grader on {socket.gethostname()} differs from this one (fingerprint "
            f"{job.fingerprint} there, {batch.fingerprint} here): run the nodes from the "
            f"same checkout and environment (docs/scale.md)")
        run.mark_started(i, problem)
        if problem:
            print(problem, file=sys.stderr)
            return DIFFERENT_GRADER
        return grade_share(run, i, job, server, batch)
    finally:
        server.close()


def grade_share(run: RunFolder, i: int, job: Job, server: ForkServer, batch: Batch) -> int:
    out = Path(batch.out)
    share = run.share(i)
    todo = [s for s in share if batch.force
            or not folder_grading.reusable(out, s, job.fingerprint, batch.gpu)]
    print(f"share {i} on {socket.gethostname()}: {len(todo)} to grade of {len(share)}",
          flush=True)

    def recorded(result: Graded) -> None:
        if result.final:  # saved; one that is not is graded again next run
            run.record(i, result.student, result.status, result.total)
        print(f"{result.student}: {result.status} {result.total:g} ({result.seconds:.1f} s)"
              f"{'' if result.final else ' not saved: ' + result.detail}", flush=True)
    try:
        graded = grade_all(todo, job, server, batch, recorded)
    except GraderError as e:
        print(f"the grader failed, nothing graded was lost: {e}", file=sys.stderr)
        return 1
    run.mark_done(i, graded, len(share) - len(todo))
    return 0



if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # all is saved: tearing down torch would only delay the task's end
