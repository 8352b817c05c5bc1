"""Cells are named to people by their number in the notebook, counted from 1 (every cell
counted, as a person counts them from the top): in the result, its detail, the feedback,
the report and Gradescope's output."""
import json

import grading_notebooks as nbs
from autograder import gradescope
from autograder.cases import questions
from autograder.grading.grade_command import main
from autograder.grading.results import Result
from autograder.optimization import CASES


def test_a_failing_cell_is_named_by_its_number_from_1_everywhere(tmp_path):
    written = nbs.written_block("**Question 2b (written).** Why?", "Because.")
    raw = nbs.notebook(nbs.solution_cells(), extra=["raise ValueError('boom')"],
                       written=written)
    cells = json.loads(raw)["cells"]
    number = len(cells)  # the raising cell is the last one
    assert "boom" in "".join(cells[number - 1]["source"])
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(raw)
    out = tmp_path / "graded"
    assert main([str(folder), "--out", str(out), "--quiet", "--timeout", "60"]) == 0
    result = json.loads((out / "results" / "alice.json").read_text())
    assert [e["cell"] for e in result["notebook_errors"]] == [number]
    assert f"first: cell {number}: ValueError: boom" in result["detail"]
    assert f"cell {number}: ValueError: boom" in (out / "feedback" / "alice.md").read_text()
    assert f"cell {number}: ValueError: boom" in (out / "report.html").read_text()
    skipped = [i for i, c in enumerate(cells, 1) if "otter_ignore" in str(c["metadata"])]
    assert result["skipped_cells"] == skipped and skipped
    shown = gradescope.results_json(Result(**result), questions(CASES), "hidden")
    assert f"cell {number} raised: ValueError: boom" in shown["output"]
