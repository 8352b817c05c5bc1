"""`make release`: the files, the proofs it writes, and that its checks can fail."""
import json
import shutil

import nbformat
import pytest

from autograder.cases import questions
from autograder.optimization import CASES
from autograder.release import build, leaks
from autograder.assignment import Assignment

pytestmark = pytest.mark.slow


def test_release_writes_every_file(released):
    for path in ("student/optimization.ipynb", "student/optimization_public.py",
                 "student/otter_messages.py", "student/requirements.txt",
                 "autograder/optimization-autograder.zip", "solutions/optimization.ipynb",
                 "solutions/optimization.html", "leak-report.json", "resources.json"):
        assert (released / path).is_file(), path


def test_leak_report_is_clean_and_covers_the_secrets(released):
    report = json.loads((released / "leak-report.json").read_text())
    assert report["leaks"] == []
    assert report["solution_lines_checked"] > 50 and report["hidden_source_lines_checked"] > 100
    assert "adam_matches_torch" in report["hidden_names_checked"]
    assert set(report["files_scanned"]) == {"optimization.ipynb", "optimization_public.py",
                                            "otter_messages.py", "requirements.txt"}


def test_grading_fits_gradescope_limits(released):
    usage = json.loads((released / "resources.json").read_text())
    assert usage["exit_code"] == 0
    assert (usage["peak_cgroup_bytes"] or usage["peak_rss_bytes"]) < 700 * 2**20
    total = sum(questions(CASES).values())
    assert f"Total Score: {total:.3f} / {total:.3f}" in usage["output_tail"]


def test_student_notebook_has_stubs_and_public_tests_only(released):
    nb = nbformat.read(released / "student/optimization.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "def adam_step(" in code and "BEGIN SOLUTION" not in code
    tests = nb.metadata["otter"]["tests"]
    assert sorted(tests) == [f"q{i}" for i in range(1, 9)]
    assert not any(case["hidden"] for t in tests.values() for s in t["suites"]
                   for case in s["cases"])


@pytest.mark.parametrize("plant, kind", [
    ("from autograder.optimization.hidden.q5_optimizers import adam_matches_torch",
     "hidden test name"),
    ("m_hat = m / (1 - beta1**t)", "solution line"),
])
def test_leak_scan_catches_planted_leaks(released, tmp_path, plant, kind):
    student = tmp_path / "student"
    shutil.copytree(released / "student", student)
    nb = nbformat.read(student / "optimization.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(plant))
    nbformat.write(nb, student / "optimization.ipynb")
    found = leaks.scan(Assignment.in_repo("optimization"), student)["leaks"]
    assert kind in {leak["kind"] for leak in found}


def test_zip_is_normalised(released, tmp_path):
    zip_path = released / "autograder/optimization-autograder.zip"
    copy = tmp_path / "again.zip"
    build.normalise_zip(zip_path, copy)
    assert copy.read_bytes() == zip_path.read_bytes()
