"""Where submissions are graded: the boundary between grading and the machines it runs on.

``batch.grade_folder`` decides what to grade (``todo``: the submissions without a reusable
result) and builds the ``Job`` (``batch.folder_job``); an executor grades ``todo`` and
returns an ``Outcome``; ``batch`` then writes every output from the saved results. Every
executor keeps three rules:

- each submission is graded by ``runner.grade`` with the ``Job`` that ``batch.folder_job``
  builds from the run's ``Batch`` on the machine that grades it (same engine, same limits;
  equal fingerprints prove the same grading code and settings);
- each result is saved with ``results.save`` (atomic) as soon as its submission is graded,
  and nothing else: a machine that dies leaves its submissions ungraded, never
  half-written, and the next run grades only those (content hashes, ``results.py``);
- nothing from a submission crosses as a pickle: submissions travel as JSON
  (``run_folder``), results come back as the JSON files of ``results/``.

Executors:

    local      this machine: a grading process per core (processes.py; the default)
    slurm      a Slurm job array; each task runs ``worker`` on one share of the run folder

A remote engine (Ray, Kubernetes jobs) is another ``slurm``: write a ``run_folder.RunFolder``
on storage the workers share, start ``python -m autograder.grading.executors.worker FOLDER
--share I`` for every share, and watch the shares' progress and done markers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from autograder.grading.runner import Job
from autograder.grading.submissions import Submission


@dataclass(frozen=True)
class Batch:
    """What a run grades with, as plain data: what a worker needs to build the same Job.
    ``limits``: runner.Limits as a dict; ``jobs``: submissions graded at once per machine
    (None: two per core, ``processes.auto_jobs``);
    ``force``: grade even those with a reusable result (else a worker skips them: a
    requeued task does not grade its share twice)."""

    assignment: str
    submissions: str     # the submissions folder (absolute)
    out: str             # the output folder (absolute)
    limits: dict
    gpu: bool
    jobs: int | None
    fingerprint: str     # the Job's: grading code and settings
    force: bool = False


@dataclass(frozen=True)
class Unfinished:
    """Why a submission of ``todo`` was not graded, and the log that says more (a path
    relative to OUT; "" when there is none)."""

    reason: str
    log: str = ""


@dataclass
class Outcome:
    """What an executor did: ``graded`` submissions saved now; ``unfinished``: student ->
    why it was not graded (a failed task); ``interrupted``: stopped by Ctrl-C."""

    graded: int
    unfinished: dict[str, Unfinished] = field(default_factory=dict)
    interrupted: bool = False


class Executor(Protocol):
    """Grades submissions somewhere (see the module docstring for its rules)."""

    def check(self) -> None:
        """Raise submissions.InputError for a mistake in its options (before any grading)."""

    def run(self, todo: list[Submission], batch: Batch, job: Job, progress: bool) -> Outcome:
        """Grade ``todo``, saving each result into ``batch.out`` as it finishes."""
