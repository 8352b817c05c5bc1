"""Proof that student files hold no solution code and no hidden test.

What counts as a secret:
- every non-trivial line of the master's solutions (inside ``# BEGIN SOLUTION`` blocks,
  lines ending in ``# SOLUTION``, written answers) and of ``solutions/<name>`` modules;
- every hidden check: its name, its module path and the distinctive lines of its source;
- hidden test cases in the student notebook's Otter metadata.
Lines are compared with whitespace collapsed; short lines (< MIN_LENGTH characters) are
too common to be evidence and are skipped.
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

import nbformat

from autograder.notebooks import ROOT, master_path

MIN_LENGTH = 16


def _normalise(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


def _distinctive(lines) -> set[str]:
    out = set()
    for line in lines:
        line = _normalise(line.split("# SOLUTION")[0])
        if len(line) >= MIN_LENGTH and not line.startswith(("#", "import ", "from ", '"""')):
            out.add(line)
    return out


def solution_lines(name: str) -> set[str]:
    """Non-trivial solution lines of the master notebook and of solutions/<name>/."""
    lines, in_block, in_md_solution = [], False, False
    for cell in nbformat.read(master_path(name), as_version=4).cells:
        marker = cell.source.strip().upper() if cell.cell_type == "raw" else ""
        if marker.startswith("# BEGIN SOLUTION"):
            in_md_solution = True
        elif marker.startswith("# END SOLUTION"):
            in_md_solution = False
        elif cell.cell_type == "markdown" and in_md_solution:
            lines += cell.source.split("\n")
        elif cell.cell_type == "code":
            for line in cell.source.split("\n"):
                if line.strip().startswith("# BEGIN SOLUTION"):
                    in_block = True
                elif line.strip().startswith("# END SOLUTION"):
                    in_block = False
                elif in_block or line.rstrip().endswith("# SOLUTION"):
                    lines.append(line)
    for path in sorted((ROOT / "solutions" / name).glob("*.py")):
        lines += _function_bodies(path.read_text())
    return _distinctive(lines)


def _function_bodies(source: str) -> list[str]:
    """Lines of a module's code that are not signatures or docstrings."""
    import ast

    tree, lines, keep = ast.parse(source), source.split("\n"), []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            for stmt in body:
                keep += lines[stmt.lineno - 1:stmt.end_lineno]
    return keep


def hidden_secrets(name: str) -> tuple[set[str], set[str]]:
    """(hidden check names and module paths, distinctive lines of hidden check sources)."""
    cases = importlib.import_module(f"autograder.{name}").CASES
    names, lines = set(), set()
    for case in cases:
        if case.hidden:
            names |= {case.name, case.check.__module__}
            lines |= _distinctive(inspect.getsource(inspect.getmodule(case.check)).split("\n"))
    public = inspect.getsource(importlib.import_module(f"autograder.{name}.public"))
    public_lines = {_normalise(line) for line in public.split("\n")}
    public_names = {c.name for c in cases if not c.hidden}
    return names - public_names, lines - public_lines


def scan(name: str, student_dir: Path) -> dict:
    """Scan every student file; return the report (``report["leaks"]`` empty when clean)."""
    solutions = solution_lines(name)
    hidden_names, hidden_lines = hidden_secrets(name)
    leaks = []
    files = sorted(p for p in student_dir.rglob("*") if p.is_file())
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        normalised = {_normalise(line) for line in text.replace("\\n", "\n").split("\n")}
        rel = str(path.relative_to(student_dir))
        leaks += [{"file": rel, "kind": "solution line", "text": s} for s in solutions
                  if s in normalised]
        leaks += [{"file": rel, "kind": "hidden test source", "text": s} for s in hidden_lines
                  if s in normalised]
        leaks += [{"file": rel, "kind": "hidden test name", "text": s} for s in hidden_names
                  if re.search(rf"\b{re.escape(s)}\b", text)]
        if path.suffix == ".ipynb":
            tests = nbformat.read(path, as_version=4).metadata.get("otter", {}).get("tests", {})
            leaks += [{"file": rel, "kind": "hidden test case in metadata", "text": q}
                      for q, test in tests.items()
                      for suite in test.get("suites", []) for c in suite.get("cases", [])
                      if c.get("hidden")]
    return {
        "assignment": name,
        "files_scanned": [str(p.relative_to(student_dir)) for p in files],
        "solution_lines_checked": len(solutions),
        "hidden_names_checked": sorted(hidden_names),
        "hidden_source_lines_checked": len(hidden_lines),
        "leaks": leaks,
    }


def write_report(report: dict, path: Path) -> None:
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
