"""Master notebooks kept in sync with the code they teach.

The master notebook ``assignments/<name>/<name>.ipynb`` (Otter Assign format) holds the
prose; two kinds of cells in it are generated so that nothing is written twice:

- solution cells: the source of each function of ``solutions.<name>``, with Otter's
  ``# BEGIN SOLUTION`` / ``# END SOLUTION`` around its body (students keep the signature
  and docstring);
- test cells: one per Case of ``autograder.<name>.CASES``, inside the question's
  ``# BEGIN TESTS`` / ``# END TESTS`` block.

    python -m autograder.notebooks sync optimization    # rewrite those cells in place
    python -m autograder.notebooks check optimization   # exit 1 when out of sync
"""
from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

import nbformat

from autograder import otter_format as fmt
from autograder.assignment import ROOT, load_assignment
from autograder.cases import Case
from autograder.measurement import BENCHMARK_ARGUMENT


def master_path(assignment: str) -> Path:
    return ROOT / "assignments" / assignment / f"{assignment}.ipynb"


def solution_source(fn) -> str:
    """Source of ``fn`` with its body (after the docstring) between solution markers."""
    lines = inspect.getsource(fn).rstrip("\n").split("\n")
    node = ast.parse("\n".join(lines)).body[0]
    first = node.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
        and isinstance(first.value.value, str)
    start = first.end_lineno if has_doc else first.lineno - 1
    indent = " " * node.body[-1].col_offset
    return "\n".join(lines[:start] + [f"{indent}{fmt.BEGIN_SOLUTION}"] + lines[start:]
                     + [f"{indent}{fmt.END_SOLUTION}"])


def test_cell_source(case: Case, assignment: str) -> str:
    """Otter test cell running one case (points and visibility in its TEST CONFIG). A case
    of the assignment's BENCHMARK question takes the measurement it judges unless the
    globals already hold one (Otter's assign run does not keep one case's globals for the
    next)."""
    module = case.check.__module__
    if module == f"autograder.{assignment}.public":
        module = fmt.public_module_name(assignment)
    body = f"from {module} import {case.name}\n{case.name}({', '.join(case.needs)})"
    contract = load_assignment(assignment)
    benchmark = contract.benchmark
    if benchmark is not None and case.question == benchmark.question:
        measure = benchmark.measure   # once where Otter keeps a case's globals, else per case
        body = (f"from {measure.__module__} import {measure.__name__}\n{BENCHMARK_ARGUMENT} = "
                f"globals().get({BENCHMARK_ARGUMENT!r}) or "
                f"{measure.__name__}({', '.join(benchmark.needs)})\n{body}")
    return fmt.test_cell(case.points, case.hidden, body)


def _solution_functions(assignment: str) -> dict:
    module = importlib.import_module(f"solutions.{assignment}")
    return {name: obj for name, obj in vars(module).items()
            if inspect.isfunction(obj) and name in getattr(module, "__all__", ())}


def _defined_function(cell) -> str | None:
    """Name of the single top-level function a code cell defines, if that is all it does."""
    try:
        body = ast.parse(cell.source).body
    except SyntaxError:
        return None
    defs = [n for n in body if isinstance(n, ast.FunctionDef)]
    return defs[0].name if len(defs) == 1 and len(body) == 1 else None


def synced(nb, assignment: str):
    """A copy of ``nb`` with solution and test cells regenerated."""
    solutions = _solution_functions(assignment)
    cases = load_assignment(assignment).cases
    out, question, in_tests = [], None, False
    for cell in nb.cells:
        marker = fmt.marker(cell)
        if marker.startswith(fmt.BEGIN_QUESTION):
            question = fmt.block_config(cell)["name"]
        if marker.startswith(fmt.END_TESTS):
            in_tests = False
            out.extend(nbformat.v4.new_code_cell(test_cell_source(c, assignment))
                       for c in cases if c.question == question)
        if in_tests:
            continue
        if marker.startswith(fmt.BEGIN_TESTS):
            in_tests = True
        if cell.cell_type == "code" and _defined_function(cell) in solutions:
            cell = nbformat.v4.new_code_cell(solution_source(solutions[_defined_function(cell)]),
                                             metadata=cell.metadata)
        out.append(cell)
    synced_nb = nbformat.from_dict(dict(nb))
    synced_nb.cells = out
    for i, cell in enumerate(synced_nb.cells):
        cell["id"] = f"cell-{i:03d}"  # deterministic ids: the master diffs cleanly
    return synced_nb


def differences(assignment: str) -> list[str]:
    """What ``sync`` would change in the committed master notebook (empty when in sync)."""
    nb = nbformat.read(master_path(assignment), as_version=4)
    fresh = synced(nb, assignment)
    problems = []
    if len(fresh.cells) != len(nb.cells):
        problems.append(f"{len(nb.cells)} cells, {len(fresh.cells)} after sync")
    for i, (old, new) in enumerate(zip(nb.cells, fresh.cells)):
        if old.source != new.source:
            problems.append(f"cell {i} differs: {old.source[:60]!r}")
    return problems


def sync_hint(assignment: str) -> str:
    """The one line that says a master is out of sync and what to run."""
    return (f"{master_path(assignment).relative_to(ROOT)} is out of sync with "
            f"solutions/{assignment}/ and autograder/{assignment}/: run "
            f"`.venv/bin/python -m autograder.notebooks sync {assignment}`")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("sync", "check"))
    parser.add_argument("assignment")
    args = parser.parse_args(argv)
    if args.action == "check":
        problems = differences(args.assignment)
        for p in problems:
            print(p)
        if problems:
            print(sync_hint(args.assignment))
        return 1 if problems else 0
    path = master_path(args.assignment)
    nbformat.write(synced(nbformat.read(path, as_version=4), args.assignment), path)
    print(f"synced {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
