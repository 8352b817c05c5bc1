"""`make release` of the mnist assignment: files, proofs, Gradescope container, the
sealed grader in the zip, and the solution notebook's experiments run end to end (CPU)."""
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.mnist import CASES
from autograder.release import build

pytestmark = [pytest.mark.slow, pytest.mark.serial]


def test_release_writes_every_file_and_ships_the_loader(released_mnist):
    for path in ("student/mnist.ipynb", "student/mnist_public.py", "student/mnist_data.py",
                 "student/otter_messages.py", "student/requirements.txt",
                 "autograder/mnist-autograder.zip", "solutions/mnist.ipynb",
                 "solutions/mnist.html", "leak-report.json", "resources.json"):
        assert (released_mnist / path).is_file(), path
    report = json.loads((released_mnist / "leak-report.json").read_text())
    assert report["leaks"] == [] and "reaches_98_percent" in report["hidden_names_checked"]


def test_solution_gets_full_marks_in_its_gradescope_container(released_mnist):
    usage = json.loads((released_mnist / "resources.json").read_text())
    assert usage["exit_code"] == 0 and usage["cpu_limit"] in ("2 core(s) (CFS quota)", "none")
    total = sum(c.points for c in CASES)
    assert f"Total Score: {total:.3f} / {total:.3f}" in usage["output_tail"]


def test_zip_grades_with_the_sealed_grader(released_mnist):
    """run_autograder runs autograder.gradescope, which adds the leaderboard itself."""
    with zipfile.ZipFile(released_mnist / "autograder/mnist-autograder.zip") as zf:
        script = zf.read("run_autograder").decode()
        assert "files/mnist_data.py" in zf.namelist()
    assert "python -m autograder.gradescope autograder.mnist" in script
    assert "run_otter.py" not in script and "leaderboard" not in script


def test_solution_notebook_runs_every_experiment(released_mnist):
    """All cells, figures included, on the CPU with the real data (about a minute)."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in ("mnist_public.py", "mnist_data.py"):
            shutil.copy(released_mnist / "student" / name, work / name)
        nb = nbformat.read(released_mnist / "solutions/mnist.ipynb", as_version=4)
        nb.cells = [c for c in nb.cells if "grader.export" not in c.source
                    and "grader.check_all" not in c.source]   # no zip, no second grading
        nbformat.write(nb, work / "mnist.ipynb")             # otter.Notebook reads it
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute(
                           env=build.subprocess_env())
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert errors == []
    text = "".join(o.get("text", "") for o in outputs)
    assert "appears once the functions above work" not in text
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 5
    final = text.split("epochs in")[-1]
    accuracy = float(final.split("test accuracy")[1].split("%")[0])
    assert accuracy >= 98.0, final
