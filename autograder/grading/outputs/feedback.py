"""``feedback/<student>.md`` and ``.html``: what passed and what failed, for the student.

Public cases show their message. Hidden cases show only their name and whether they
passed: their messages may quote values computed from hidden inputs, so they stay in
``results/`` for the course staff. A failed case that a known mistake explains, public
or hidden, also says which ("your adam_step behaves like: ..."; the explanations name no
input; autograder.grading.diagnosis), or, when none does, what differs from a correct
version on one of the case's inputs ("returns 64 times the expected values", shapes and
counts, no input). Written answers show the course staff's score once it is entered
(``--manual``), else "not graded yet".
"""
from __future__ import annotations

import re
from pathlib import Path

import mistune

from autograder.grading.outputs import files
from autograder.grading.outputs.run import Run

_to_html = mistune.create_markdown(escape=True)


def _code_block(text: str) -> str:
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    return f"{fence}text\n{text}\n{fence}"


def _diagnosis(found: list[dict]) -> list[str]:
    """What a failed case's known mistakes say (autograder.grading.diagnosis): one
    "your f behaves like: ..." line, or a list when several mistakes fit; without a known
    mistake, what differs from a correct version ("general")."""
    if len(found) == 1 and found[0].get("general"):
        function = found[0]["name"].split(".")[0]
        return [f"  - compared with a correct `{function}` on one of this test's inputs, "
                f"yours {found[0]['explanation']}"]
    if len(found) == 1:
        function = found[0]["name"].split(".")[0]
        return [f"  - your `{function}` behaves like: {found[0]['explanation']}"]
    return [] if not found else ["  - several known mistakes fit what your code does:",
            *(f"    - `{d['name'].split('.')[0]}`: {d['explanation']}" for d in found)]


def render(result, points: dict[str, float]) -> str:
    """Markdown feedback for one result."""
    scores = result.scores()
    lines = [f"# Feedback: {result.student}", "",
             f"**Score: {result.total:g} / {sum(points.values()):g}** ({result.status})", ""]
    if result.status != "graded" and result.detail:
        lines += ["What went wrong:", "", _code_block(result.detail), ""]
    if result.notebook_errors:
        lines += ["Errors while your notebook ran:", "",
                  _code_block("\n".join(f"cell {e['cell']}: {e['error']}"
                                        for e in result.notebook_errors)), ""]
    for question, maximum in points.items():
        cases = [c for c in result.cases if c["question"] == question]
        if not cases:
            lines += [f"## {question}: not graded yet", ""]
            continue
        lines += [f"## {question}: {scores.get(question, 0):g} / {maximum:g}", ""]
        for case in cases:
            if case.get("manual"):
                lines.append("- graded by the course staff")
                continue
            mark = "passed" if case["passed"] else "failed"
            kind = "hidden test" if case["hidden"] else "test"
            lines.append(f"- {mark}: {kind} `{case['name']}` ({case['points']:g} pt)")
            if not case["passed"] and not case["hidden"] and case["message"]:
                lines += ["", _code_block(case["message"]), ""]
            lines += _diagnosis(case.get("diagnosis") or [])
        lines.append("")
    return "\n".join(lines + _benchmark(result.benchmark))


def _benchmark(measured) -> list[str]:
    """Your measured benchmark run (a Measurement), when the assignment has one."""
    if measured is None:
        return []
    timing = "training failed" if measured.seconds is None \
        else f"{measured.seconds:.2f} s of training"
    lines = ["## Benchmark", "",
             f"Test accuracy {100 * measured.accuracy:.2f} %, {timing} on "
             f"{measured.device or '?'} (torch {measured.torch or '?'}): "
             f"{measured.points:g} points.", ""]
    return lines + ([f"It does not count: {measured.error}", ""] if measured.error else [])


def pages(result, points: dict[str, float]) -> tuple[str, str]:
    """The feedback of one result: (markdown, HTML page)."""
    text = render(result, points)
    return text, (f"<!doctype html><meta charset='utf-8'><title>Feedback: {result.student}"
                  "</title><body style='font-family:sans-serif;max-width:50em;margin:auto'>"
                  f"{_to_html(text)}</body>\n")


def write(out: Path, run: Run) -> None:
    folder = Path(out) / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    for result in run.results:
        text, html = pages(result, run.points)
        files.write_text(folder / f"{result.student}.md", text)
        files.write_text(folder / f"{result.student}.html", html)
