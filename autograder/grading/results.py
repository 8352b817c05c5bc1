"""Per-submission results on disk: ``OUT/results/<student>.json``.

Each file is written atomically as soon as its submission is graded, so an interrupted
run loses nothing; a later run skips a submission whose notebook (content hash) and
grading code and settings (fingerprint) are unchanged.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypedDict

from autograder.grading.outputs import files
from autograder.grading.sandbox.isolation import IsolationRecord
from autograder.grading.submissions import SubmissionMeta

# pending: not graded yet (the run was interrupted first); never saved, graded next run
STATUSES = ("graded", "timeout", "error", "invalid", "pending")
MESSAGE_CHARS = 8000  # a case message kept whole: a check lists every problem it found


class _Diagnosis(TypedDict):
    name: str          # "<function>.<mistake>", or "<function>.compared"
    explanation: str   # for the student; names no input


class Diagnosis(_Diagnosis, total=False):
    """A known mistake that explains a failed case, or (``general``: True) what differs
    from a correct version when no known mistake does (grading/diagnosis.py)."""

    general: bool


class _CaseRecord(TypedDict):
    id: str
    question: str
    name: str
    points: float
    score: float
    passed: bool
    hidden: bool
    message: str
    diagnosis: list[Diagnosis]
    seed: int          # what the case's drawn inputs came from (cases.drawn)


class CaseRecord(_CaseRecord, total=False):
    """One graded case as results/<student>.json keeps it (``case_record``); written
    scores merged from the manual sheet carry ``manual: True``."""

    manual: bool


class NotebookError(TypedDict):
    """A notebook cell that raised while the submission ran."""

    cell: int
    error: str


@dataclass
class Result:
    """The grading of one submission. ``cases``: one dict per case (id, question, name,
    points, score, passed, hidden, message, diagnosis: [{"name", "explanation"}] of the known
    mistakes that explain a failed case, or one {"name", "explanation", "general": True}
    saying what differs from a correct version; seed: what its drawn inputs came from).
    ``final`` is False when the grader itself
    failed: the next run grades the submission again. ``benchmark``: the assignment's
    measured run when it had one (accuracy 0..1, seconds, device, torch, points, host)."""

    student: str
    source: str
    sha256: str
    fingerprint: str
    status: str = "graded"
    detail: str = ""
    cases: list[CaseRecord] = field(default_factory=list)
    notebook_errors: list[NotebookError] = field(default_factory=list)
    skipped_cells: list[int] = field(default_factory=list)
    isolation: IsolationRecord = field(default_factory=lambda: IsolationRecord())
    seconds: float = 0.0
    final: bool = True
    meta: SubmissionMeta = field(default_factory=lambda: SubmissionMeta())
    staff_only: dict = field(default_factory=dict)  # output, task log; never in feedback
    benchmark: dict = field(default_factory=dict)
    gpu_fingerprint: str = ""  # of the --gpu run whose cases are merged in ("" before one)

    def scores(self) -> dict[str, float]:
        """Points per question (questions without cases here are absent)."""
        out: dict[str, float] = {}
        for case in self.cases:
            out[case["question"]] = out.get(case["question"], 0.0) + case["score"]
        return out

    @property
    def total(self) -> float:
        return sum(case["score"] for case in self.cases)


def case_record(case, result) -> CaseRecord:
    """JSON form of an autograder.cases.CaseResult."""
    return {"id": case.id, "question": case.question, "name": case.name,
            "points": case.points, "score": result.score, "passed": result.passed,
            "hidden": case.hidden, "message": recorded_message(result.message),
            "diagnosis": [_diagnosis(d) for d in result.diagnosis], "seed": result.seed}


def _diagnosis(found: dict) -> Diagnosis:
    """One entry of a CaseResult's diagnosis as a record keeps it."""
    kept = Diagnosis(name=found["name"], explanation=found["explanation"])
    if found.get("general"):
        kept["general"] = True
    return kept


def recorded_message(message: str) -> str:
    """``message`` as a record keeps it: whole up to MESSAGE_CHARS characters (student
    exception texts inside are already bounded by the sandbox), longer ones cut there
    with a note saying so."""
    if len(message) <= MESSAGE_CHARS:
        return message
    return f"{message[:MESSAGE_CHARS]} ... (cut: {len(message) - MESSAGE_CHARS} more characters)"


def path(out: Path, student: str) -> Path:
    return Path(out) / "results" / f"{student}.json"


def save(out: Path, result: Result) -> None:
    files.write_text(path(out, result.student),
                     json.dumps(asdict(result), indent=1, sort_keys=True) + "\n")


def load(out: Path, student: str) -> Result | None:
    """The stored result of ``student``, or None (absent or unreadable)."""
    try:
        data = json.loads(path(out, student).read_text())
        return Result(**data)
    except (OSError, ValueError, TypeError):
        return None


def fingerprint(files, settings: dict) -> str:
    """Hash of the grading code (``files``) and the settings that can change a score."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for file in sorted(Path(f) for f in files):
        digest.update(str(file.name).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
