"""Refuse to grade one assignment's notebooks as another, or into another's OUT folder.

``mismatch``: the submissions are judged by the names their code cells define (the
stubs of the released notebook define every function, so an untouched notebook counts):
when most valid notebooks define fewer than half of the names the assignment's checks
need, they are another assignment's, and the reason names it when it can (the notebook
file their ``otter.Notebook("<name>.ipynb")`` opens, the repository's assignment whose
names they define). ``--force-assignment`` grades them anyway.

``check_out`` / ``record_out``: an OUT folder holds one assignment's grading (results,
written pages, manual.csv, pseudonyms); ``OUT/grading.json`` records which, and grading
another assignment into it is refused. An OUT written before that record existed is
judged by its stored results' case ids.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from autograder.assignment import Assignment, load_assignment, repo_assignments
from autograder.grading import results
from autograder.grading.outputs import files
from autograder.grading.submissions import InputError, Submission
from autograder.otter_format import defined_names, plain_python

STATE = "grading.json"
OPENS = re.compile(r"""otter\.Notebook\(\s*["']([^"'/\\]+?)\.ipynb["']""")


def needed_names(assignment: Assignment) -> set[str]:
    """The student globals the assignment's checks take."""
    return {name for case in assignment.cases for name in case.needs}


def defined(submission: Submission) -> set[str]:
    """Names the submission's code cells define at top level (IPython syntax read as
    Python where a cell does not parse as it is)."""
    out: set[str] = set()
    for cell in submission.cells:
        out |= defined_names(cell["source"]) or defined_names(plain_python(cell["source"]))
    return out


def coverage(names: set[str], needed: set[str]) -> float:
    return len(names & needed) / len(needed) if needed else 1.0


def mismatch(assignment: Assignment, submissions: list[Submission]) -> str:
    """Why these submissions are not ``assignment``'s ("" when most of them are)."""
    needed = needed_names(assignment)
    valid = [s for s in submissions if not s.error]
    names = [defined(s) for s in valid]
    poor = sum(coverage(n, needed) < 0.5 for n in names)
    if not valid or 2 * poor <= len(valid):
        return ""
    reasons = [f"{poor} of {len(valid)} define fewer than half of the names the checks of "
               f"{assignment.name} need ({', '.join(sorted(needed))})"]
    opened = Counter(m for s in valid for c in s.cells for m in OPENS.findall(c["source"]))
    if opened:
        notebook, count = opened.most_common(1)[0]
        reasons.append(f"{count} open {notebook}.ipynb (grader = otter.Notebook(...))")
    best = _best_other(assignment.name, names)
    hint = f"Grade them with --assignment {best} (ASSIGNMENT={best}), or pass" if best \
        else "Pass"
    return (f"these are not {assignment.name!r} notebooks: {', and '.join(reasons)}. {hint} "
            f"--force-assignment (FORCE_ASSIGNMENT=1) to grade them as {assignment.name} "
            "anyway")


def _best_other(name: str, names: list[set[str]]) -> str:
    """The repository's other assignment whose checks' names most notebooks define."""
    best, best_share = "", 0.5
    for other in repo_assignments():
        if other == name:
            continue
        try:
            needed = needed_names(load_assignment(other))
        except (InputError, ImportError):
            continue
        share = sum(coverage(n, needed) >= 0.5 for n in names) / len(names)
        if share > best_share:
            best, best_share = other, share
    return best


def check_out(out: Path, assignment: Assignment) -> None:
    """InputError when ``out`` holds another assignment's grading."""
    path = Path(out) / STATE
    if path.is_file():
        try:
            recorded = json.loads(path.read_text()).get("assignment")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded is not None and recorded != assignment.name:
            raise InputError(_other(out, recorded, assignment.name))
        return
    ids = {case.id for case in assignment.cases}
    for stored in sorted((Path(out) / "results").glob("*.json"))[:5]:
        result = results.load(out, stored.stem)
        found = {case["id"] for case in result.cases} if result is not None else set()
        if found and 2 * len(found & ids) < len(found):
            raise InputError(_other(out, "another assignment", assignment.name))


def record_out(out: Path, assignment: Assignment) -> None:
    files.write_text(Path(out) / STATE, json.dumps({"assignment": assignment.name}) + "\n")


def _other(out: Path, recorded: str, name: str) -> str:
    what = repr(recorded) if recorded != "another assignment" else recorded
    return (f"{out} holds the grading of {what}: grading {name!r} there would mix the two "
            f"(results, written pages, manual.csv); choose another output folder "
            f"(--out / OUT=) or remove {out}")
