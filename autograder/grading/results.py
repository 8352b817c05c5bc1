"""Per-submission results on disk: ``OUT/results/<student>.json``.

Each file is written atomically as soon as its submission is graded, so an interrupted
run loses nothing; a later run skips a submission whose notebook (content hash) and
grading code and settings (fingerprint) are unchanged.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATUSES = ("graded", "timeout", "error", "invalid")
MESSAGE_CHARS = 8000  # a case message kept whole: a check lists every problem it found


@dataclass
class Result:
    """The grading of one submission. ``cases``: one dict per case (id, question, name,
    points, score, passed, hidden, message, diagnosis: [{"name", "explanation"}] of the known
    mistakes that explain a failed case, or one {"name", "explanation", "general": True}
    saying what differs from a correct version; seed: what its drawn inputs came from).
    ``final`` is False when the grader itself
    failed: the next run grades the submission again. ``benchmark``: the assignment's
    measured run when it had one (accuracy 0..1, seconds, device, torch, points)."""

    student: str
    source: str
    sha256: str
    fingerprint: str
    status: str = "graded"
    detail: str = ""
    cases: list[dict] = field(default_factory=list)
    notebook_errors: list[dict] = field(default_factory=list)
    skipped_cells: list[int] = field(default_factory=list)
    isolation: dict = field(default_factory=dict)
    seconds: float = 0.0
    final: bool = True
    meta: dict = field(default_factory=dict)
    staff_only: dict = field(default_factory=dict)  # student output; never in feedback
    benchmark: dict = field(default_factory=dict)

    def scores(self) -> dict[str, float]:
        """Points per question (questions without cases here are absent)."""
        out: dict[str, float] = {}
        for case in self.cases:
            out[case["question"]] = out.get(case["question"], 0.0) + case["score"]
        return out

    @property
    def total(self) -> float:
        return sum(case["score"] for case in self.cases)


def case_record(case, result) -> dict:
    """JSON form of an autograder.cases.CaseResult."""
    return {"id": case.id, "question": case.question, "name": case.name,
            "points": case.points, "score": result.score, "passed": result.passed,
            "hidden": case.hidden, "message": recorded_message(result.message),
            "diagnosis": [dict(d) for d in result.diagnosis], "seed": result.seed}


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
    target = path(out, result.student)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(result), indent=1, sort_keys=True) + "\n")
    os.replace(tmp, target)


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
