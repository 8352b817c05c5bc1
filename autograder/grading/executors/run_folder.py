"""A distributed run on disk: ``OUT/slurm/<run>/``, written by the head, read and filled
by the workers (any machine that sees OUT). Only JSON crosses, never a pickle.

    manifest.json            the Batch and the number of shares
    submitted.json           {"job": the Slurm job id, "time": when it was submitted}
    shares/<i>.json          the submissions of share i (Submission fields, written blocks
                             left out: only the head writes the written pages)
    started/<i>.json         share i's worker is ready: {"host", "job", "time", "launched":
                             when its process started, "problem": why it will not grade,
                             e.g. other grading code, or ""}
    progress/<i>.jsonl       one line per submission saved: {"student", "status", "total",
                             "time"}
    done/<i>.json            share i finished: {"host", "job", "time", "graded", "reused"}
    logs/<i>.log             the worker's output (the executor points its task's log here)
"""
from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, fields
from pathlib import Path

from autograder.grading.executors import Batch
from autograder.grading.outputs import files
from autograder.grading.submissions import Submission

LAUNCHED_ENV = "ADVOPT_LAUNCHED"  # set by the task's script: when the task began (time.time())
SUBFOLDERS = ("shares", "started", "progress", "done", "logs")
SHARED_FIELDS = [f.name for f in fields(Submission) if f.name != "written"]


def write_json(path: Path, data) -> None:
    """Write ``data`` to ``path`` atomically (a reader sees the old file or the new one)."""
    files.write_text(path, json.dumps(data, sort_keys=True) + "\n")


class RunFolder:
    """The files of one run (see the module docstring); ``path`` is absolute."""

    def __init__(self, path):
        self.path = Path(path)

    @classmethod
    def create(cls, out: Path, batch: Batch, shares: list[list[Submission]]) -> "RunFolder":
        """A new run folder under ``out/slurm/`` holding the manifest and the shares."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run = cls(Path(out).resolve() / "slurm" / f"run-{stamp}-{os.getpid()}")
        for name in SUBFOLDERS:
            (run.path / name).mkdir(parents=True, exist_ok=True)
        for i, share in enumerate(shares):
            write_json(run.path / "shares" / f"{i}.json",
                       [{k: getattr(s, k) for k in SHARED_FIELDS} for s in share])
        write_json(run.path / "manifest.json", {"batch": asdict(batch), "shares": len(shares)})
        return run

    @property
    def name(self) -> str:
        return self.path.name

    def batch(self) -> Batch:
        return Batch(**json.loads((self.path / "manifest.json").read_text())["batch"])

    def shares(self) -> int:
        return json.loads((self.path / "manifest.json").read_text())["shares"]

    def share(self, i: int) -> list[Submission]:
        entries = json.loads((self.path / "shares" / f"{i}.json").read_text())
        return [Submission(**{k: entry[k] for k in SHARED_FIELDS}) for entry in entries]

    def log(self, i: int) -> Path:
        return self.path / "logs" / f"{i}.log"

    def relative_log(self, i: int, out: Path) -> str:
        return str(self.log(i).relative_to(Path(out).resolve()))

    def mark_submitted(self, job: str) -> None:
        """The head submitted the run as Slurm job ``job``."""
        write_json(self.path / "submitted.json", {"job": job, "time": time.time()})

    # -- written by a worker
    def mark_started(self, i: int, problem: str = "") -> None:
        """Share i's worker is ready to grade here; ``problem``: why it will not (the head
        stops the run with it)."""
        launched = float(os.environ[LAUNCHED_ENV]) if LAUNCHED_ENV in os.environ else None
        write_json(self.started_path(i), {**_where(), "launched": launched, "problem": problem})

    def record(self, i: int, student: str, status: str, total: float) -> None:
        """Append one saved submission to share i's progress (one writer per share)."""
        line = json.dumps({"student": student, "status": status, "total": total,
                           "time": time.time()})
        with open(self.path / "progress" / f"{i}.jsonl", "a") as f:
            f.write(line + "\n")

    def mark_done(self, i: int, graded: int, reused: int) -> None:
        write_json(self.done_path(i),
                   {**_where(), "graded": graded, "reused": reused})

    # -- read by the head
    def started_path(self, i: int) -> Path:
        return self.path / "started" / f"{i}.json"

    def started(self, i: int) -> dict | None:
        try:
            return json.loads(self.started_path(i).read_text())
        except (FileNotFoundError, ValueError):
            return None

    def done_path(self, i: int) -> Path:
        return self.path / "done" / f"{i}.json"

    def done(self, i: int) -> bool:
        return self.done_path(i).exists()

    def progress(self, i: int) -> list[dict]:
        """The complete lines of share i's progress (a line being written is left out)."""
        try:
            text = (self.path / "progress" / f"{i}.jsonl").read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines(keepends=True)
                if line.endswith("\n")]


def _where() -> dict:
    """This worker: its host, its Slurm job (array job_task, as squeue names it), now."""
    env = os.environ
    job = f"{env['SLURM_ARRAY_JOB_ID']}_{env['SLURM_ARRAY_TASK_ID']}" \
        if "SLURM_ARRAY_JOB_ID" in env else env.get("SLURM_JOB_ID", "")
    return {"host": socket.gethostname(), "job": job, "time": time.time()}
