"""Output files are written whole or not at all (outputs/files.py), and every output of a
run goes through that one writer with one signature, ``write(out, run)``."""
import ast
import inspect
import os
from pathlib import Path

import pytest

from autograder.grading import batch, results
from autograder.grading.outputs import files
from autograder.grading.outputs.run import Run
from autograder.grading.results import Result

GRADING = Path(batch.__file__).parent


def test_write_replaces_whole_files_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "deep" / "er" / "gradebook.csv"
    files.write_csv(target, [["student", "total"], ["=cmd", "1"]])
    files.write_text(target, "second\n")
    assert target.read_text() == "second\n"
    assert os.listdir(target.parent) == ["gradebook.csv"]
    assert target.stat().st_mode & 0o777 == files.MODE


def test_a_failed_write_keeps_the_previous_version(tmp_path):
    target = files.write_text(tmp_path / "report.html", "previous")

    class Boom(Exception):
        pass

    def rows():
        yield ["a"]
        raise Boom

    with pytest.raises(Boom):
        files.write_csv(target, rows())
    assert target.read_text() == "previous" and os.listdir(tmp_path) == ["report.html"]


@pytest.mark.parametrize("value, text", [("=1+2", "'=1+2"), ("@SUM(A1)", "'@SUM(A1)"),
                                         ("-3.5", "-3.5"), (2.0, "2"), ("alice", "alice")])
def test_cells_that_start_a_formula_are_text(value, text):
    assert files.cell(value) == text


def test_every_output_has_one_writer_signature():
    for output in batch.OUTPUTS:
        assert list(inspect.signature(output.write).parameters) == ["out", "run"], output


def test_no_output_module_writes_a_file_but_through_files():
    """open(..., "w"), Path.write_text/write_bytes and os.replace appear only in files.py."""
    modules = [*(GRADING / "outputs").glob("*.py"), GRADING / "results.py",
               GRADING / "manual.py"]
    for path in modules:
        if path.name == "files.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            owner = getattr(getattr(node.func, "value", None), "id", "")
            modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
            assert name not in ("write_text", "write_bytes") or owner == "files", \
                f"{path.name}: {name}"
            assert (owner, name) not in {("os", "replace"), ("os", "rename")}, path.name
            assert not (name == "open" and any("w" in str(m) or "a" in str(m) for m in modes)), \
                f"{path.name}: open for writing"


def test_results_are_saved_through_the_atomic_writer(tmp_path):
    result = Result("alice", "alice.ipynb", "abc", "f")
    results.save(tmp_path, result)
    assert results.load(tmp_path, "alice") == result
    assert os.listdir(tmp_path / "results") == ["alice.json"]


def test_outputs_of_an_empty_run_are_written(tmp_path):
    batch.write_outputs(tmp_path, Run([], {"q1": 1.0}, "optimization"))
    assert {p.name for p in tmp_path.iterdir()} >= {"gradebook.csv", "canvas.csv",
                                                    "gradescope.csv", "report.html"}
    assert not (tmp_path / "leaderboard.csv").exists()
