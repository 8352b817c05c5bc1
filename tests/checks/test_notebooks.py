"""The master notebooks are in sync with solutions/ and the CASES registries."""
import ast

import nbformat
import pytest

import solutions.optimization as reference
from autograder import notebooks, otter_format
from autograder.optimization import CASES


@pytest.mark.parametrize("assignment", ["optimization", "mnist"])
def test_master_notebook_is_in_sync(assignment):
    assert notebooks.differences(assignment) == [], notebooks.sync_hint(assignment)


def test_every_case_has_one_test_cell_and_questions_are_q1_to_q8():
    nb = nbformat.read(notebooks.master_path("optimization"), as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    for case in CASES:
        assert sources.count(notebooks.test_cell_source(case, "optimization")) == 1, case.id
    names = [otter_format.block_config(c)["name"] for c in nb.cells
             if otter_format.marker(c).startswith(otter_format.BEGIN_QUESTION)]
    assert [n for n in names if "_" not in n] == [f"q{i}" for i in range(1, 9)]
    assert {"q2_written", "q4_written", "q6_written"} <= set(names)


def test_numeric_answers_in_the_master_equal_the_reference():
    nb = nbformat.read(notebooks.master_path("optimization"), as_version=4)
    cell = next(c.source for c in nb.cells if c.source.startswith("megabytes_1 ="))
    namespace = {}
    exec(compile(ast.parse(cell), "megabytes", "exec"), namespace)
    assert namespace["megabytes_1"] == pytest.approx(reference.megabytes_1)
    assert namespace["megabytes_2"] == pytest.approx(reference.megabytes_2)


def test_mnist_master_has_every_case_and_the_reference_best_hparams():
    import solutions.mnist as mnist_reference
    from autograder.mnist import CASES as MNIST_CASES

    nb = nbformat.read(notebooks.master_path("mnist"), as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    for case in MNIST_CASES:
        assert sources.count(notebooks.test_cell_source(case, "mnist")) == 1, case.id
    cell = next(s for s in sources if s.startswith("BEST_HPARAMS ="))
    namespace = {}
    exec(compile(ast.parse(cell), "BEST_HPARAMS", "exec"), namespace)
    assert namespace["BEST_HPARAMS"] == mnist_reference.BEST_HPARAMS


def test_solution_source_brackets_the_body_after_the_docstring():
    source = notebooks.solution_source(reference.lr_decay)
    lines = source.split("\n")
    assert lines[0].startswith("def lr_decay(lr0, epoch, decay_rate):")
    begin = lines.index(f"    {otter_format.BEGIN_SOLUTION}")
    end = lines.index(f"    {otter_format.END_SOLUTION}")
    assert lines[begin - 1].strip().endswith('"""') and end == len(lines) - 1
    assert "return" in "\n".join(lines[begin:end])


def test_helpers_a_prompt_names_exist_when_grading():
    """A function named in a prompt (`name(`) and defined in the notebook is defined in a
    cell that grading runs (not tagged otter_ignore)."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    for assignment in ("optimization", "mnist"):
        nb = nbformat.read(root / "assignments" / assignment / f"{assignment}.ipynb", as_version=4)
        invited = {m for c in nb.cells if c.cell_type == "markdown"
                   for m in re.findall(r"`([A-Za-z_]\w*)\(", c.source)}
        ignored = set()
        for c in nb.cells:
            if c.cell_type == "code" and "otter_ignore" in c.metadata.get("tags", []):
                try:
                    ignored |= {n.name for n in ast.parse(c.source).body if isinstance(n, ast.FunctionDef)}
                except SyntaxError:
                    continue
        assert invited & ignored == set(), f"{assignment}: prompts invite {invited & ignored}, skipped in grading"
