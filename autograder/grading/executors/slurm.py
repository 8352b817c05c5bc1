"""Grading on a Slurm cluster: one job array, each task a worker grading one share.

The head (the machine running ``advopt grade --executor slurm``, a login node) writes the
run folder (``run_folder``) into OUT, which must be on a filesystem the compute nodes
share; submits the array with ``sbatch``; shows progress from ``squeue`` and the shares'
progress files; and when no task is left queued or running, returns the submissions of
failed tasks (with their task's log) to ``batch``, which writes the outputs as after a
local run.

Why ``sbatch`` itself and not submitit: submitit pickles the function and its arguments
and unpickles results on the head (here everything that crosses is JSON, and the results
are the files a local run writes); it watches jobs with ``sacct``, which needs Slurm's
accounting database (many small clusters and the test cluster have none: ``squeue``
always works); and the nodes need nothing beyond the project's own environment (no
submitit there). A job array of shares is one ``sbatch`` whatever the class size, with
one log per task in the run folder.

Bad input stops before anything is graded, with one message (InputError): no Slurm
commands here, an unknown partition, a request Slurm refuses (account, time limit,
GPUs), and, found by the first tasks (``_probe``: each worker first writes a marker into
OUT, then builds the run's Job and compares fingerprints), an OUT the nodes cannot see,
a grader that does not start there, or a node that grades differently.
"""
from __future__ import annotations

import json
import math
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.grading import results
from autograder.grading.executors import Batch, Outcome, Unfinished
from autograder.grading.executors.run_folder import LAUNCHED_ENV, RunFolder, write_json
from autograder.grading.runner import Job
from autograder.grading.submissions import InputError, Submission

COMMANDS = ("sbatch", "squeue", "scancel", "sinfo")
SHARE_SIZE = 50          # submissions per task when --tasks is not given
DEFAULT_MAX_TASKS = 100
TASK_JOBS = 2            # submissions a task grades at once when --jobs is not given
GRADER_MB = 2048         # a task's own memory (grader, fork server) besides its students'
POLL_SECONDS = 1.0
SEEN_GRACE_SECONDS = 30  # files written on a node may show up later here (NFS caches)
QUEUED = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "CONFIGURING",
          "SUSPENDED", "STOPPED"}
FORGOTTEN = "no longer listed by squeue"
ENDED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
         "PREEMPTED", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT", "REVOKED", FORGOTTEN}


@dataclass(frozen=True)
class SlurmOptions:
    """What each task asks Slurm for. ``time_limit``: per task, in Slurm's format (minutes,
    H:MM:SS, D-HH:MM; "" = the partition's default); ``tasks``: the array's size (None:
    one task per SHARE_SIZE submissions); ``extra``: further sbatch options, verbatim."""

    partition: str = ""
    account: str = ""
    time_limit: str = ""
    tasks: int | None = None
    extra: tuple[str, ...] = ()


@dataclass
class _Task:
    state: str = "PENDING"
    node: str = ""


class SlurmExecutor:
    def __init__(self, options: SlurmOptions = SlurmOptions()):
        self.options = options

    def check(self) -> None:
        missing = [c for c in COMMANDS if shutil.which(c) is None]
        if missing:
            raise InputError(f"--executor slurm: no Slurm commands on this machine (missing "
                             f"{', '.join(missing)}); run on the cluster's login node, or "
                             f"grade with --executor local")
        if self.options.tasks is not None and self.options.tasks < 1:
            raise InputError("--tasks must be >= 1")
        partitions = set(_slurm("sinfo", "-h", "-o", "%R").split())
        if self.options.partition and self.options.partition not in partitions:
            raise InputError(f"Slurm has no partition {self.options.partition!r} (partitions: "
                             f"{', '.join(sorted(partitions)) or 'none'})")

    def run(self, todo: list[Submission], batch: Batch, job: Job, progress: bool) -> Outcome:
        if not todo:
            return Outcome(0)
        out = Path(batch.out)
        _refuse_if_running(out)
        batch = replace(batch, jobs=batch.jobs or TASK_JOBS)  # the CPUs each task asks for
        count = min(len(todo), self.options.tasks or
                    max(1, min(DEFAULT_MAX_TASKS, math.ceil(len(todo) / SHARE_SIZE))))
        run = RunFolder.create(out, batch, [todo[i::count] for i in range(count)])
        job_id = _submit(run, count, self._request(batch))
        run.mark_submitted(job_id)
        write_json(out / "slurm" / "active.json", {"job": job_id, "run": run.name})
        if progress:
            print(f"Slurm job {job_id}: {count} task(s); logs in {run.path / 'logs'}",
                  file=sys.stderr)
        try:
            tasks = _watch(run, job_id, count, out, len(todo), progress)
        except KeyboardInterrupt:
            _cancel(job_id)
            return Outcome(_graded(run, count), interrupted=True)
        except InputError:
            _cancel(job_id)
            raise
        finally:
            (out / "slurm" / "active.json").unlink(missing_ok=True)
        return Outcome(_graded(run, count), _unfinished(run, job_id, tasks, out))

    def _request(self, batch: Batch) -> list[str]:
        """sbatch options every task of the run asks for. Workers start in this process's
        working directory, so that they import what it imports (``--assignment
        package.module``)."""
        o = self.options
        memory = GRADER_MB + batch.jobs * batch.limits["memory_mb"]
        return [f"--cpus-per-task={batch.jobs}", f"--mem={memory}M",
                *([f"--partition={o.partition}"] if o.partition else []),
                *([f"--account={o.account}"] if o.account else []),
                *([f"--time={o.time_limit}"] if o.time_limit else []),
                *(["--gres=gpu:1"] if batch.gpu else []),
                f"--chdir={Path.cwd()}", *o.extra]


# ----------------------------------------------------------------------------- commands
def _slurm(*command: str) -> str:
    """Output of a Slurm command; InputError with Slurm's own message when it fails."""
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise InputError(f"{command[0]} failed: {e}") from None
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else \
            f"exit status {proc.returncode}"
        raise InputError(f"{command[0]} failed: {message}")
    return proc.stdout


def _submit(run: RunFolder, count: int, request: list[str]) -> str:
    """Write the run's batch script (``task.sh``: one worker on share
    $SLURM_ARRAY_TASK_ID) and submit it as an array of ``count`` tasks; returns the job id."""
    script = run.path / "task.sh"
    script.write_text(f"#!/bin/sh\nexport {LAUNCHED_ENV}=$(date +%s.%N)\n"
                      f"exec {shlex.quote(sys.executable)} -m "
                      f"autograder.grading.executors.worker {shlex.quote(str(run.path))}\n")
    script.chmod(0o755)
    return _slurm("sbatch", "--parsable", f"--array=0-{count - 1}", "--job-name=advopt-grade",
                  f"--output={run.path / 'logs' / '%a.log'}", "--open-mode=append", *request,
                  str(script)).strip().split(";")[0]


def _cancel(job_id: str) -> None:
    subprocess.run(["scancel", job_id], capture_output=True, timeout=120)


def _states(job_id: str) -> dict[str, _Task] | None:
    """Array index ("" for a job without array) -> its task; None when squeue failed."""
    try:
        proc = subprocess.run(["squeue", "-h", "-r", "-t", "all", "-j", job_id,
                               "-o", "%K|%T|%N"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return {} if "Invalid job id" in proc.stderr else None
    tasks = {}
    for line in proc.stdout.splitlines():
        index, state, node = (line.split("|") + ["", "", ""])[:3]
        tasks[index if index != "N/A" else ""] = _Task(state, node)
    return tasks


def _refuse_if_running(out: Path) -> None:
    """One run at a time writes into OUT: an earlier run's array still queued or running
    (its head was killed) is an InputError."""
    active = out / "slurm" / "active.json"
    try:
        job_id = json.loads(active.read_text())["job"]
    except (OSError, ValueError, KeyError):
        return
    states = _states(job_id) or {}
    if any(t.state not in ENDED for t in states.values()):
        raise InputError(f"Slurm job {job_id} is still grading into {out}: wait for it to "
                         f"end (squeue -j {job_id}) or cancel it (scancel {job_id})")


def _appears(path: Path) -> bool:
    """Whether ``path`` exists here, waiting up to SEEN_GRACE_SECONDS for a shared
    filesystem to show it."""
    deadline = time.monotonic() + SEEN_GRACE_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        _refresh(path.parent)
        time.sleep(POLL_SECONDS)
    return True


def _refresh(folder: Path) -> None:
    """Listing a folder makes an NFS client look again at its entries."""
    try:
        next(iter(folder.iterdir()), None)
    except OSError:
        pass


# ----------------------------------------------------------------------------- watching
def _watch(run: RunFolder, job_id: str, count: int, out: Path, total: int,
           progress: bool) -> dict:
    """Wait until no task of the array is queued or running, showing progress (``total``
    submissions); returns share index -> its last known task."""
    from tqdm import tqdm

    tasks = {i: _Task() for i in range(count)}
    started: set[int] = set()  # shares whose worker started well
    with tqdm(total=total, unit="submission", disable=not progress, dynamic_ncols=True) as bar:
        while True:
            states = _states(job_id)
            if states is not None:
                for i in range(count):
                    tasks[i] = states.get(str(i), _Task(FORGOTTEN, tasks[i].node))
            _probe(run, tasks, out, started)
            bar.update(_graded(run, count) - bar.n)
            shown = {"queued": 0, "running": 0, "done": 0, "failed": 0}
            for i, task in tasks.items():
                shown["done" if run.done(i) else "queued" if task.state in QUEUED else
                      "failed" if task.state in ENDED else "running"] += 1
            bar.set_postfix_str("tasks: " + ", ".join(f"{n} {k}" for k, n in shown.items()),
                                refresh=True)
            if states is not None and all(t.state in ENDED for t in tasks.values()):
                return tasks
            time.sleep(POLL_SECONDS)


def _probe(run: RunFolder, tasks: dict, out: Path, started: set) -> None:
    """The probe is the workers' ``started`` markers, written from the tasks into OUT
    (``started``: the shares whose marker was read). Raises InputError, while no worker has
    started well, for a task that failed without a marker: with no log either, its node does
    not see OUT; with one, the grader could not start there. Raises it, at any time, for a
    marker that reports a problem (another grader on that node)."""
    for i in tasks.keys() - started:
        marker = run.started(i)
        if marker is not None and marker["problem"]:
            raise InputError(marker["problem"])
        if marker is not None:
            started.add(i)
    if started:
        return
    for i, task in tasks.items():
        if task.state != "FAILED" or _appears(run.started_path(i)):
            continue
        where = f"Slurm task {i} on {task.node or 'its node'}"
        if not run.log(i).exists():
            raise InputError(f"{out}: the compute nodes cannot see this folder ({where} "
                             f"could write neither its log nor its start marker there); OUT "
                             f"must be on a filesystem the nodes share (docs/scale.md)")
        tail = "\n".join(run.log(i).read_text(errors="replace").splitlines()[-6:])
        raise InputError(f"the grader did not start ({where}); the end of its log, "
                         f"{run.log(i)}:\n{tail}")


def _graded(run: RunFolder, count: int) -> int:
    return sum(len(run.progress(i)) for i in range(count))


def _unfinished(run: RunFolder, job_id: str, tasks: dict, out: Path) -> dict:
    """Student -> Unfinished for the submissions a task did not save a result of: it
    ended before (killed, cancelled, out of time or memory), or the grader failed on them
    (a task that finished may take a moment to show its files here)."""
    unfinished = {}
    for i, task in tasks.items():
        graded = {line["student"] for line in run.progress(i)}
        finished = run.done(i) or task.state == "COMPLETED" and _appears(run.done_path(i))
        reason = f"Slurm task {job_id}_{i} could not grade it (the grader failed)" \
            if finished else f"Slurm task {job_id}_{i} ended ({task.state}) before grading it"
        for submission in run.share(i):
            if submission.student not in graded:
                unfinished[submission.student] = Unfinished(reason, run.relative_log(i, out))
    for i in tasks:  # results saved on a node: wait until this machine sees them
        for line in run.progress(i):
            _appears(results.path(out, line["student"]))
    return unfinished
