"""Proof that student files hold no solution code and no hidden test.

What counts as a secret:
- every non-trivial line of the master's solutions (inside ``# BEGIN SOLUTION`` blocks,
  lines ending in ``# SOLUTION``, written answers) and of the reference-solution modules'
  function bodies;
- every hidden check: its name, its module path and the distinctive lines of its source;
- hidden test cases in the student notebook's Otter metadata.
Lines are compared whole, with whitespace collapsed; short lines (< MIN_LENGTH characters),
imports and comments are too common to be evidence and are skipped, and so are lines that
students see by design (the public checks, support files such as the data loader, the
master's prose and figure cells).
In a notebook, what is scanned is every string a student can read: cell sources, outputs
and metadata (Otter's doctest prompts removed).
"""
from __future__ import annotations

import ast
import hashlib
import inspect
import re
from pathlib import Path

import nbformat

from autograder import otter_format as fmt
from autograder.release.build import ReleaseError, write_json
from autograder.release.layout import Assignment

MIN_LENGTH = 16


def _normalise(line: str) -> str:
    return re.sub(r"\s+", " ", fmt.DOCTEST_PROMPT.sub("", line).strip())


def _distinctive(lines) -> set[str]:
    out = set()
    for line in lines:
        line = _normalise(line.split(fmt.SOLUTION_LINE)[0])
        if len(line) >= MIN_LENGTH and not line.startswith(("#", "import ", "from ", '"""')):
            out.add(line)
    return out


def public_lines(assignment: Assignment) -> set[str]:
    """Lines students see by design: the public checks, the support files and the
    master's cells outside solution and test blocks."""
    lines = assignment.public.read_text().split("\n")
    for path in assignment.support_files().values():
        lines += path.read_text().split("\n")
    for cell, _, block in fmt.walk(nbformat.read(assignment.master, as_version=4)):
        if block not in ("solution", "tests"):
            lines += cell.source.split("\n")
    return {_normalise(line) for line in lines}


def solution_lines(assignment: Assignment) -> set[str]:
    """Non-trivial solution lines of the master notebook and of the solution modules."""
    lines = []
    for cell, _, block in fmt.walk(nbformat.read(assignment.master, as_version=4)):
        if cell.cell_type == "markdown" and block == "solution":
            lines += cell.source.split("\n")
        elif cell.cell_type == "code":
            lines += fmt.solution_code_lines(cell.source)
    for path in sorted(assignment.solutions.rglob("*.py")):
        lines += _function_bodies(path.read_text())
    return _distinctive(lines) - public_lines(assignment)


def _function_bodies(source: str) -> list[str]:
    """Lines of a module's functions that are not signatures or docstrings."""
    tree, lines, keep = ast.parse(source), source.split("\n"), []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            for stmt in body:
                keep += lines[stmt.lineno - 1:stmt.end_lineno]
    return keep


def hidden_secrets(assignment: Assignment) -> tuple[set[str], set[str]]:
    """(hidden check names and module paths, distinctive lines of hidden check sources)."""
    cases = assignment.cases()
    names, lines = set(), set()
    for case in cases:
        if case.hidden:
            names |= {case.name, case.check.__module__}
            lines |= _distinctive(inspect.getsource(inspect.getmodule(case.check)).split("\n"))
    public_names = {c.name for c in cases if not c.hidden}
    return names - public_names, lines - public_lines(assignment)


def _strings(value):
    """Every string inside nested dicts and lists (notebook metadata, outputs)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def readable_lines(path: Path) -> set[str]:
    """Normalised lines a student can read in ``path``."""
    if path.suffix != ".ipynb":
        texts = [path.read_text(encoding="utf-8", errors="replace")]
    else:
        nb = nbformat.read(path, as_version=4)
        texts = [*_strings([dict(c) for c in nb.cells]), *_strings(dict(nb.metadata))]
    return {_normalise(line) for text in texts for line in text.split("\n")}


def _hidden_cases_in_metadata(path: Path) -> list[str]:
    tests = nbformat.read(path, as_version=4).metadata.get("otter", {}).get("tests", {})
    return [q for q, test in tests.items() if isinstance(test, dict)
            for suite in test.get("suites", []) for case in suite.get("cases", [])
            if case.get("hidden")]


def scan(assignment: Assignment, student_dir: Path) -> dict:
    """Scan every student file; return the report (``report["leaks"]`` empty when clean)."""
    solutions = solution_lines(assignment)
    hidden_names, hidden_lines = hidden_secrets(assignment)
    leaks, files = [], {}
    for path in sorted(p for p in student_dir.rglob("*") if p.is_file()):
        rel = str(path.relative_to(student_dir))
        files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        text, readable = path.read_text(encoding="utf-8", errors="replace"), readable_lines(path)
        leaks += [{"file": rel, "kind": "solution line", "text": s}
                  for s in sorted(solutions & readable)]
        leaks += [{"file": rel, "kind": "hidden test source", "text": s}
                  for s in sorted(hidden_lines & readable)]
        leaks += [{"file": rel, "kind": "hidden test name", "text": s} for s in sorted(hidden_names)
                  if re.search(rf"\b{re.escape(s)}\b", text)]
        if path.suffix == ".ipynb":
            leaks += [{"file": rel, "kind": "hidden test case in metadata", "text": q}
                      for q in _hidden_cases_in_metadata(path)]
    return {
        "assignment": assignment.name,
        "files_scanned": files,
        "solution_lines_checked": len(solutions),
        "hidden_names_checked": sorted(hidden_names),
        "hidden_source_lines_checked": len(hidden_lines),
        "leaks": leaks,
    }


def require_clean(report: dict, path: Path) -> None:
    """Write the report to ``path``; raise ReleaseError when it lists any leak."""
    write_json(path, report)
    if report["leaks"]:
        first = report["leaks"][0]
        raise ReleaseError(f"{len(report['leaks'])} leak(s) into student files, first: "
                           f"{first['kind']} in {first['file']}: {first['text']!r} (see {path})")
