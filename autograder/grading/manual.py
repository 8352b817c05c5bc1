"""Written answers (Otter manual questions): the questions, and the course staff's scores.

- ``questions``: the master notebook's manual questions (name, points, prompt);
- ``read_scores``: a filled ``manual.csv``, checked whole before anything is graded; its
  scores become extra cases of each result (``Marking.merge``), so gradebook, totals and
  feedback count them. An empty cell is not graded yet: it counts 0 and its column stays
  empty.

Pseudonyms ("student 07") are numbered once per OUT folder, in an order that does not
follow the ids, and kept in ``OUT/pseudonyms.csv`` (out of ``written/``, the folder for graders):
stable across reruns, new students get the next numbers. A sheet may name students by id
or pseudonym. The pages of answers and the sheet to fill in are written by ``outputs/written.py``.
"""
from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat

from autograder import otter_format as fmt
from autograder.grading.outputs import files
from autograder.grading.submissions import InputError

SHEET, TEMPLATE, KEY = "manual.csv", "manual-template.csv", "pseudonyms.csv"


def questions(assignment_name: str) -> list[fmt.ManualQuestion]:
    """Manual questions of the assignment's master notebook (none when it has no master
    here, e.g. a test fixture)."""
    from autograder.notebooks import master_path

    path = master_path(assignment_name)
    return fmt.manual_questions(nbformat.read(path, as_version=4)) if path.exists() else []


# ----------------------------------------------------------------------------- pseudonyms
def pseudonyms(out: Path, students: list[str]) -> dict[str, str]:
    """Student id -> "student NN", kept in OUT/pseudonyms.csv (see module doc)."""
    path = key_path(out)
    known = _read_key(path)
    new = sorted((s for s in students if s not in known),
                 key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    numbers = [int(p.split()[-1]) for p in known.values()]
    for n, student in enumerate(new, start=max(numbers, default=0) + 1):
        known[student] = f"student {n:02d}"
    if new:
        files.write_csv(path, [["student", "pseudonym"], *sorted(known.items())])
    return known


def key_path(out: Path) -> Path:
    """OUT/pseudonyms.csv: beside the pages, never in ``written/`` (the folder handed to
    graders). A key an earlier version kept in ``written/`` is moved here first; where
    both exist, its students not in the key here are added (new numbers for clashes)."""
    path, old = Path(out) / KEY, Path(out) / "written" / KEY
    if old.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            known = _read_key(path)
            taken = set(known.values())
            for student, pseudonym in _read_key(old).items():
                if student not in known:
                    number = int(pseudonym.split()[-1])
                    if pseudonym in taken:
                        number = max(int(p.split()[-1]) for p in taken) + 1
                    known[student] = f"student {number:02d}"
                    taken.add(known[student])
            files.write_csv(path, [["student", "pseudonym"], *sorted(known.items())])
            old.unlink()
        else:
            old.replace(path)
    return path


def _read_key(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {row["student"]: row["pseudonym"] for row in csv.DictReader(f)
                if re.fullmatch(r"student \d+", row.get("pseudonym") or "")}


# ----------------------------------------------------------------------------- the sheet
class ManualSheetError(InputError):
    """A filled manual.csv with bad lines; the message lists every one."""


def read_scores(path: Path, students: list[str], manual: list[fmt.ManualQuestion],
                aliases: dict[str, str] | None = None) -> dict[str, dict[str, float]]:
    """Student -> {question: points} of a filled sheet (empty cells left out). Every bad
    line (unknown student or column, a duplicate row, a score that is not a number
    within [0, points]) is collected; any raises ManualSheetError listing them all."""
    points = {q.name: q.points for q in manual}
    by_name = {**{p: s for s, p in (aliases or {}).items()}, **{s: s for s in students}}
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            lines = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ManualSheetError(f"{path}: unreadable ({e})") from None
    if not lines or not lines[0] or lines[0][0].strip() != "student":
        raise ManualSheetError(f"{path}: line 1: the first column must be 'student'")
    header = [h.strip() for h in lines[0]]
    problems = [f"line 1: unknown column {h!r} (written questions: {', '.join(points)})"
                for h in header[1:] if h not in points]
    problems += [f"line 1: column {h!r} appears twice" for h in dict.fromkeys(header[1:])
                 if header.count(h) > 1]
    scores: dict[str, dict[str, float]] = {}
    for number, row in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        name = row[0].strip()
        student = by_name.get(name)
        if student is None:
            problems.append(f"line {number}: unknown student {name!r}")
            continue
        if student in scores:
            problems.append(f"line {number}: {name!r} appears twice")
            continue
        if len(row) > len(header):
            problems.append(f"line {number}: {len(row)} cells, the header has {len(header)}")
        scores[student] = {}
        for column, cell in zip(header[1:], row[1:]):
            if column not in points or not cell.strip():
                continue
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or not 0 <= value <= points[column]:
                problems.append(f"line {number}: {column} = {cell.strip()!r} is not a "
                                f"number from 0 to {points[column]:g}")
            else:
                scores[student][column] = value
    if problems:
        raise ManualSheetError(f"{path}: {len(problems)} bad line(s), nothing changed:\n  "
                               + "\n  ".join(problems))
    return {s: q for s, q in scores.items() if q}


# ----------------------------------------------------------------------------- a run
@dataclass
class Marking:
    """The written questions of one ``make grade`` run: the questions, the filled scores
    (checked when the run starts) and whether pages hide names."""

    questions: list
    scores: dict
    anonymous: bool = False

    @classmethod
    def start(cls, assignment_name: str, out: Path, submissions, sheet: Path | None = None,
              anonymous: bool = False) -> "Marking":
        """Read the questions and the filled sheet (ManualSheetError when it is bad)."""
        manual = questions(assignment_name)
        if sheet is not None and not manual:
            raise InputError(f"assignment {assignment_name!r} has no written questions: "
                             f"--manual {sheet} has nothing to fill")
        students = [s.student for s in submissions]
        scores = read_scores(Path(sheet), students, manual, _read_key(
            key_path(out))) if sheet is not None else {}
        return cls(manual, scores, anonymous)

    @property
    def points(self) -> dict[str, float]:
        return {q.name: q.points for q in self.questions}

    def merge(self, result):
        """``result`` with the student's written scores as cases (not saved to results/)."""
        filled = self.scores.get(result.student, {})
        cases = [{"id": f"{q}.written", "question": q, "name": "written answer",
                  "points": self.points[q], "score": score, "passed": score >= self.points[q],
                  "hidden": False, "message": "", "manual": True}
                 for q, score in filled.items()]
        return replace(result, cases=result.cases + cases) if cases else result
