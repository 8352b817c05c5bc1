"""The Gradescope entry point (autograder/gradescope.py): results.json from the sealed
grader, hidden cases by name only, the run_autograder line the release writes."""
import json
import os
import pickle
import zipfile

import pytest

import grading_notebooks as nbs
from autograder import gradescope
from autograder.grading.results import Result
from autograder.grading.submissions import InputError
from autograder.optimization import CASES
from autograder.release.build import with_sealed_grader

FULL = sum(c.points for c in CASES)

POINTS = {"q1": 2.0}


def _result() -> Result:
    cases = [{"id": "q1.public", "question": "q1", "name": "public_case", "points": 1.0,
              "score": 0.0, "passed": False, "hidden": False, "message": "expected 3, got 4"},
             {"id": "q1.hidden", "question": "q1", "name": "hidden_case", "points": 1.0,
              "score": 0.0, "passed": False, "hidden": True,
              "message": "on the hidden input [7.25, 9.5] expected 1.0"}]
    return Result("s", "s.ipynb", "0" * 64, "", cases=cases, seconds=1.5)


def test_results_json_shows_hidden_cases_by_name_and_score_only():
    report = gradescope.results_json(_result(), POINTS, "after_published")
    public, hidden = report["tests"]
    assert public == {"name": "q1: public_case", "score": 0.0, "max_score": 1.0,
                      "visibility": "visible", "output": "expected 3, got 4"}
    assert hidden["visibility"] == "after_published" and hidden["name"] == "q1: hidden_case"
    assert "7.25" not in json.dumps(report)
    assert report["score"] == 0 and "execution_time" not in report  # a timing channel
    assert "q1: 0 / 2" in report["output"]


def test_hidden_visibility_is_configurable(monkeypatch):
    monkeypatch.setenv(gradescope.VISIBILITY_ENV, "hidden")
    assert gradescope.hidden_visibility() == "hidden"
    monkeypatch.setenv(gradescope.VISIBILITY_ENV, "visible")
    with pytest.raises(InputError, match="after_published"):
        gradescope.hidden_visibility()


def test_run_autograder_line_is_replaced_by_the_sealed_grader():
    otter = b"#!/bin/bash\nmamba activate otter-env\npython /autograder/source/run_otter.py\n"
    script = with_sealed_grader(otter, "autograder.optimization").decode()
    assert "run_otter.py" not in script
    assert script.splitlines() == ["#!/bin/bash", "mamba activate otter-env",
                                   "python -m autograder.gradescope autograder.optimization"]


@pytest.mark.slow
def test_an_exported_zip_gets_full_marks_and_its_log_is_never_unpickled(tmp_path, monkeypatch):
    marker = tmp_path / "unpickled"
    (tmp_path / "submission").mkdir()
    with zipfile.ZipFile(tmp_path / "submission" / "export.zip", "w") as archive:
        archive.writestr("optimization.ipynb", nbs.notebook(nbs.solution_cells()))
        archive.writestr(".OTTER_LOG", pickle.dumps(nbs.Marker(str(marker))))
    monkeypatch.setenv(gradescope.ROOT_ENV, str(tmp_path))
    assert gradescope.main(["optimization"]) == 0
    report = json.loads((tmp_path / "results" / "results.json").read_text())
    assert report["score"] == FULL and len(report["tests"]) == len(CASES)
    assert {t["visibility"] for t in report["tests"]} == {"visible", "after_published"}
    assert not marker.exists()
    full = json.loads((tmp_path / "results" / "results" / "submission.json").read_text())
    assert full["isolation"] and full["status"] == "graded"


def test_no_submission_gives_a_zero_with_the_reason(tmp_path, monkeypatch):
    (tmp_path / "submission").mkdir()
    monkeypatch.setenv(gradescope.ROOT_ENV, str(tmp_path))
    assert gradescope.main(["optimization"]) == 0
    report = json.loads((tmp_path / "results" / "results.json").read_text())
    assert report["score"] == 0 and "no notebook" in report["output"]


@pytest.mark.slow
def test_printed_output_is_kept_for_staff_and_never_shown(tmp_path, monkeypatch):
    """A submission that prints every argument the checks pass (hidden inputs included)."""
    name = "softmax"
    echo = (f"import functools\n_original = {name}\n@functools.wraps(_original)\n"
            f"def {name}(*args, **kwargs):\n"
            f"    print('ECHO', repr(args)[:200])\n"
            f"    return _original(*args, **kwargs)\n")
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "optimization.ipynb").write_bytes(
        nbs.notebook(nbs.solution_cells(), [echo]))
    monkeypatch.setenv(gradescope.ROOT_ENV, str(tmp_path))
    assert gradescope.main(["optimization"]) == 0
    shown = (tmp_path / "results" / "results.json").read_text()
    full = json.loads((tmp_path / "results" / "results" / "submission.json").read_text())
    assert "ECHO" in full["staff_only"]["output"]
    assert "ECHO" not in shown and json.loads(shown)["score"] == FULL
    from autograder.grading.outputs import feedback
    from autograder.grading.results import Result
    from autograder.cases import questions
    assert "ECHO" not in feedback.render(Result(**full), questions(CASES))


def test_the_benchmark_measurement_goes_to_the_results_folder(tmp_path, monkeypatch):
    from autograder.assignment import load_assignment

    mnist = load_assignment("mnist")
    monkeypatch.setenv("ADVOPT_LEADERBOARD", "restored after the test")
    path = gradescope._leaderboard_file(mnist, tmp_path)
    assert path == tmp_path / "benchmark.json"
    assert os.environ["ADVOPT_LEADERBOARD"] == str(path)
    assert mnist.leaderboard_entries(
        {"accuracy": 0.981, "seconds": 30.0, "device": "cpu"})[0]["value"] == 98.1
    assert gradescope._leaderboard_file(load_assignment("optimization"), tmp_path) is None
