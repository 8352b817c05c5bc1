"""Per-submission results on disk: ``OUT/results/<student>.json``.

Each file is written atomically as soon as its submission is graded, so an interrupted
run loses nothing; a later run skips a submission whose notebook (content hash) and
grading code and settings (fingerprint) are unchanged. Nothing broken is kept: a result
is checked field by field (``check``) before it is saved and when it is loaded (a file
that fails is not reused: its submission is graded again).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TypedDict

from autograder.grading.outputs import files
from autograder.grading.sandbox.isolation import IsolationRecord
from autograder.grading.submissions import SubmissionMeta
from autograder.measurement import Measurement

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
    measured run when it had one (autograder.measurement.Measurement)."""

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
    benchmark: Measurement | None = None
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
    """Write ``result`` (checked first: ValueError names what is wrong)."""
    check(result)
    files.write_text(path(out, result.student),
                     json.dumps(asdict(result), indent=1, sort_keys=True) + "\n")


def load(out: Path, student: str) -> Result | None:
    """The stored result of ``student``, or None (absent, unreadable or not valid)."""
    try:
        result = from_record(json.loads(path(out, student).read_text()))
    except (OSError, ValueError):
        return None
    return result if result.student == student else None


def from_record(data) -> Result:
    """The Result of its JSON form (``asdict``), checked (``check``); ValueError when
    ``data`` is not one."""
    if type(data) is not dict or set(data) - {f.name for f in fields(Result)}:
        raise ValueError("not the fields of a result")
    try:
        result = Result(**{**data, "benchmark": Measurement.from_record(data.get("benchmark"))})
    except (TypeError, RecursionError) as e:
        raise ValueError(f"not a result ({type(e).__name__})") from None
    check(result)
    return result


# ----------------------------------------------------------------------------- checking
_CASE_TEXT = ("id", "question", "name", "message")
_CASE_FLAGS = ("passed", "hidden")


def check(result: Result) -> None:
    """Every field of ``result`` of the type its writers expect (numbers finite, within a
    float; text, lists and records as declared); ValueError naming the first field that
    is not."""
    _is(result.student, str, "student")
    if not result.student or "/" in result.student or result.student in (".", ".."):
        raise ValueError("student: not a file name")
    for name in ("source", "sha256", "fingerprint", "detail", "gpu_fingerprint"):
        _is(getattr(result, name), str, name)
    if result.status not in STATUSES:
        raise ValueError("status: not one of " + ", ".join(STATUSES))
    _is(result.final, bool, "final")
    _number(result.seconds, "seconds")
    for i, case in enumerate(_list_of(result.cases, dict, "cases")):
        _case(case, f"cases[{i}]")
    for e in _list_of(result.notebook_errors, dict, "notebook_errors"):
        if set(e) != {"cell", "error"} or type(e["cell"]) is not int \
                or type(e["error"]) is not str:
            raise ValueError("notebook_errors: not {cell, error}")
    _list_of(result.skipped_cells, int, "skipped_cells")
    _is(result.isolation, dict, "isolation")
    for key, value in result.isolation.items():
        if type(key) is not str or not (type(value) is str or type(value) is list
                                        and all(type(v) is str for v in value)):
            raise ValueError("isolation: not text")
    _meta(result.meta)
    if result.benchmark is not None:
        _measurement(result.benchmark)
    _is(result.staff_only, dict, "staff_only")
    try:
        json.dumps(result.staff_only, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as e:
        raise ValueError(f"staff_only: not JSON ({type(e).__name__})") from None


def _case(case: dict, name: str) -> None:
    if not {*_CASE_TEXT, *_CASE_FLAGS, "points", "score", "diagnosis"} <= set(case) \
            <= {*_CASE_TEXT, *_CASE_FLAGS, "points", "score", "diagnosis", "manual", "seed"}:
        raise ValueError(f"{name}: not the fields of a case")
    for key in _CASE_TEXT:
        _is(case[key], str, f"{name}.{key}")
    for key in (*_CASE_FLAGS, *(("manual",) if "manual" in case else ())):
        _is(case[key], bool, f"{name}.{key}")
    for key in ("points", "score"):
        _number(case[key], f"{name}.{key}")
    if "seed" in case:
        _is(case["seed"], int, f"{name}.seed")
    for d in _list_of(case["diagnosis"], dict, f"{name}.diagnosis"):
        general = d.get("general", True)
        if not {"name", "explanation"} <= set(d) <= {"name", "explanation", "general"} \
                or type(d["name"]) is not str or type(d["explanation"]) is not str \
                or general is not True:
            raise ValueError(f"{name}.diagnosis: not {{name, explanation[, general]}}")


def _measurement(measurement) -> None:
    _is(measurement, Measurement, "benchmark")
    for key in ("accuracy", "points", *(("seconds",) if measurement.seconds is not None else ())):
        _number(getattr(measurement, key), f"benchmark.{key}")
    for key in ("device", "torch", "error", "host"):
        _is(getattr(measurement, key), str, f"benchmark.{key}")


def _meta(meta) -> None:
    _is(meta, dict, "meta")
    for key in ("canvas_user_id", "name", "submission"):
        _is(meta.get(key, ""), str, f"meta.{key}")
    for person in _list_of(meta.get("submitters", []), dict, "meta.submitters"):
        if not all(type(v) is str for v in person.values()):
            raise ValueError("meta.submitters: not text")


def _is(value, kind: type, name: str) -> None:
    if type(value) is not kind:
        raise ValueError(f"{name}: {type(value).__name__}, not {kind.__name__}")


def _number(value, name: str) -> None:
    """An int or float that is finite as a float (writers format it as one)."""
    try:
        finite = type(value) in (int, float) and math.isfinite(value)
    except OverflowError:  # an int beyond any float
        finite = False
    if not finite:
        raise ValueError(f"{name}: not a finite number ({type(value).__name__})")


def _list_of(value, kind: type, name: str) -> list:
    _is(value, list, name)
    if not all(type(item) is kind for item in value):
        raise ValueError(f"{name}: not a list of {kind.__name__}")
    return value


def fingerprint(files, settings: dict) -> str:
    """Hash of the grading code (``files``) and the settings that can change a score."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for file in sorted(Path(f) for f in files):
        digest.update(str(file.name).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
