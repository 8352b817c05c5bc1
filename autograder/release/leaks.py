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

The autograder zip and the grading wheel inside it (everything Gradescope installs) must
hold no reference solution (``scan_zip``): no module of the solutions package, and no
function whose canonical form (``canonical``: its AST without docstring, function name
or the names of its arguments and locals) equals one of the solutions'. Lines are not
compared there: checks legitimately write the same formulas.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import inspect
import io
import re
import zipfile
from pathlib import Path, PurePosixPath

import nbformat

from autograder import otter_format as fmt
from autograder.release.build import ReleaseError, write_json
from autograder.assignment import Assignment

MIN_LENGTH = 16
MIN_FUNCTION_NODES = 12   # smaller functions (``return x``) are too common to be evidence


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
    sources = assignment.release_sources()
    lines = sources.public.read_text().split("\n")
    for path in assignment.support_files().values():
        lines += path.read_text().split("\n")
    for cell, _, block in fmt.walk(nbformat.read(sources.master, as_version=4)):
        if block not in ("solution", "tests"):
            lines += cell.source.split("\n")
        elif block == "solution" and cell.cell_type == "code":  # its stub stays
            lines += fmt.split_solution_code(cell.source)[1]
    return {_normalise(line) for line in lines}


def solution_lines(assignment: Assignment) -> set[str]:
    """Non-trivial solution lines of the master notebook and of the solution modules."""
    sources = assignment.release_sources()
    lines = []
    for cell, _, block in fmt.walk(nbformat.read(sources.master, as_version=4)):
        if cell.cell_type == "markdown" and block == "solution":
            lines += cell.source.split("\n")
        elif cell.cell_type == "code":
            lines += fmt.solution_code_lines(cell.source)
    for path in sorted(sources.solutions.rglob("*.py")):
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
    cases = assignment.cases
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


def canonical(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """A function's AST without docstring and with its name, argument names and local
    names replaced by their order of appearance (``v0``, ``v1``, ...)."""
    node = copy.deepcopy(function)
    if ast.get_docstring(node):
        node.body = node.body[1:] or [ast.Pass()]
    node.name, node.decorator_list, node.returns = "_", [], None
    local = {}
    for sub in ast.walk(node):
        if isinstance(sub, ast.arg):
            sub.annotation = None
            sub.arg = local.setdefault(sub.arg, f"v{len(local)}")
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            local.setdefault(sub.id, f"v{len(local)}")
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in local:
            sub.id = local[sub.id]
    return ast.dump(node, annotate_fields=False)


def _functions(source: str) -> list[tuple[str, str]]:
    """(name, canonical form) of every function (nested ones too) large enough to count."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    return [(node.name, canonical(node)) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and sum(1 for _ in ast.walk(node)) >= MIN_FUNCTION_NODES]


def solution_functions(assignment: Assignment) -> dict[str, str]:
    """{canonical form: "file:function"} of every function of the solutions package."""
    project = assignment.release_sources().project
    package = project / assignment.solutions_package
    out: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        for name, form in _functions(path.read_text()):
            out.setdefault(form, f"{path.relative_to(project)}:{name}")
    return out


def _archive_files(data: bytes, prefix: str):
    """(path, bytes) of every file in a zip, and of every wheel or zip inside it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            content, path = archive.read(info), f"{prefix}{info.filename}"
            yield path, content
            if info.filename.endswith((".whl", ".zip")):
                yield from _archive_files(content, f"{path}!/")


def scan_zip(assignment: Assignment, zip_path: Path) -> dict:
    """Scan the autograder zip and the wheels in it for solution modules and functions."""
    package = assignment.solutions_package
    functions = solution_functions(assignment)
    leaks, scanned = [], 0
    for path, content in _archive_files(zip_path.read_bytes(), ""):
        scanned += 1
        parts = PurePosixPath(path.rsplit("!/", 1)[-1]).parts
        if parts and (parts[0] == package or parts[0] == f"{package}.py"):
            leaks.append({"file": path, "kind": "solutions module", "text": package})
        if path.endswith(".py"):
            source = content.decode("utf-8", errors="replace")
            leaks += [{"file": path, "kind": "solution function",
                       "text": f"{name} = {functions[form]}"}
                      for name, form in _functions(source) if form in functions]
    return {"zip": zip_path.name, "zip_files_scanned": scanned,
            "solution_functions_checked": len(functions), "leaks": leaks}


def require_clean(report: dict, path: Path) -> None:
    """Write the report to ``path``; raise ReleaseError when it lists any leak."""
    write_json(path, report)
    if report["leaks"]:
        first = report["leaks"][0]
        raise ReleaseError(f"{len(report['leaks'])} leak(s) into student files, first: "
                           f"{first['kind']} in {first['file']}: {first['text']!r} (see {path})")
