"""Student notebooks for the grader tests, built from the reference solutions.

Shaped like the released notebook: Otter's init cell, one answer cell per function (or
the Q7 numbers), ``grader.check`` cells, an ``otter_ignore`` plotting cell and the export
cell, so that the grader meets everything a real submission holds. Written answers are
blocks as Otter 7 writes them into the student notebook (checked against a release in
tests/grading/test_grading_written.py).
"""
from __future__ import annotations

import ast
import csv
import inspect
import json
import re
import textwrap
from pathlib import Path

import solutions.optimization as reference
from autograder.otter_format import ANSWER_TAG, IGNORE_TAG, defined_names

FUNCTIONS = [n for n in reference.__all__ if callable(getattr(reference, n))]
NUMBERS = f"megabytes_1 = {reference.megabytes_1!r}\nmegabytes_2 = {reference.megabytes_2!r}"
HEADER = ['# Initialize Otter\nimport otter\ngrader = otter.Notebook("optimization.ipynb")',
          "import numpy as np\nimport matplotlib.pyplot as plt"]
FOOTER = ['grader.check("q1")', 'grader.check_all()', "grader.export(pdf=False, run_tests=True)"]
PLOT = f"for _ in range(10**9):\n    plt.plot([1, 2], [3, 4])  # tagged {IGNORE_TAG}: never runs"


def solution_cells() -> list[str]:
    return [textwrap.dedent(inspect.getsource(getattr(reference, n))) for n in FUNCTIONS] + [NUMBERS]


def stub(source: str) -> str:
    """The unfilled answer cell: signature and docstring, body ``...``."""
    tree = ast.parse(source)
    fn = tree.body[0]
    doc = fn.body[:1] if ast.get_docstring(fn) else []
    fn.body = doc + [ast.Expr(ast.Constant(...))]
    return ast.unparse(tree)


def student_cells() -> list[str]:
    return [stub(c) for c in solution_cells()[:-1]] + ["megabytes_1 = ...\nmegabytes_2 = ..."]


def with_variants(variants) -> list[str]:
    """The solution's answer cells with each of ``variants`` (tests/mutants/, at most one
    per function) in place of its function."""
    cells = solution_cells()
    for variant in variants:
        cells = [variant.source if defines(c, variant.function) else c for c in cells]
    return cells


def defines(cell: str, name: str) -> bool:
    """Whether an answer cell defines ``name`` (a function, or megabytes_1/2)."""
    return (name if name != "megabytes" else "megabytes_1") in defined_names(cell)


def written_block(prompt: str, answer: str | None) -> list[dict]:
    """One manual question as in a student notebook: the marked prompt, the answer cell
    (Otter's placeholder when ``answer`` is None), the cell that closes the block."""
    answer = "_Type your answer here, replacing this text._" if answer is None else answer
    return [_markdown(f"<!-- BEGIN QUESTION -->\n\n{prompt}"), _markdown(answer, [ANSWER_TAG]),
            _markdown("<!-- END QUESTION -->\n\n## Next section")]


def notebook(answers: list[str], extra: list[str] = (), written: list[dict] = ()) -> bytes:
    """A .ipynb (JSON bytes) with the given answer cells, then ``written`` (cells of
    ``written_block``), then ``extra`` cells."""
    cells = [_cell(s) for s in HEADER] + [_cell(s, [ANSWER_TAG]) for s in answers]
    cells += list(written)
    cells += [_cell(PLOT, [IGNORE_TAG])] + [_cell(s) for s in FOOTER]
    cells += [_cell(s) for s in extra]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:03d}"
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                      "display_name": "Python 3"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1).encode()


def _markdown(source: str, tags=()) -> dict:
    return {"cell_type": "markdown", "metadata": {"tags": list(tags)} if tags else {},
            "source": source}


def _cell(source: str, tags=()) -> dict:
    return {"cell_type": "code", "execution_count": None,
            "metadata": {"tags": list(tags)} if tags else {}, "outputs": [], "source": source}


def read_gradebook(out):
    """OUT/gradebook.csv as {student: row}."""
    with open(out / "gradebook.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


class Marker:
    """Unpickling this creates a file: proof that the grader unpickled .OTTER_LOG."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def shape(message: str) -> str:
    """A message with its numbers blanked (student code drawing from the global RNG gives
    different numbers on every run)."""
    return re.sub(r"\d+(\.\d+)?", "#", message)
