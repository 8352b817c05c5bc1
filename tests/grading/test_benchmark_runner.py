"""The runner's benchmark: one measurement per submission, taken in a student process of
its own and judged by every case of the measured question; whatever the student's code
does (raises, hangs, ends its process, is missing), the submission is graded, listed in
leaderboard.csv and the report, and told why in its feedback."""
import csv
import json

import pytest

import grading_notebooks as nbs
from autograder.grading.batch import grade_folder
from autograder.grading.runner import Limits

DOUBLE = "def double(x):\n    return 2 * x\n"
SUBMISSIONS = {
    "fast": DOUBLE + "def speed():\n    print('SPEED CALLED')\n    return 2",
    "slow": DOUBLE + "def speed():\n    return 1",
    "raises": DOUBLE + "def speed():\n    print('SPEED CALLED')\n    raise ValueError('no speed')",
    "hangs": DOUBLE + "import time\ndef speed():\n    time.sleep(600)",
    "dies": DOUBLE + "import os\ndef speed():\n    os._exit(77)",
    "missing": DOUBLE,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder, out = tmp_path_factory.mktemp("submissions"), tmp_path_factory.mktemp("graded")
    for name, cell in SUBMISSIONS.items():
        (folder / f"{name}.ipynb").write_bytes(nbs.notebook([cell]))
    grade_folder(folder, out, "tests.support.benchmark_fixture",
                 Limits(timeout=40, case_seconds=4), jobs=2, progress=False)
    return out


def _result(out, student) -> dict:
    return json.loads((out / "results" / f"{student}.json").read_text())


def test_every_submission_is_graded_and_listed(graded):
    with open(graded / "leaderboard.csv") as f:
        board = [row["student"] for row in csv.DictReader(f)]
    assert board[:2] == ["fast", "slow"] and set(board) == set(SUBMISSIONS)
    page = (graded / "report.html").read_text()
    section = page[page.index("id=leaderboard"):page.index("id=distribution")]
    assert all(f"<td>{name}</td>" in section for name in SUBMISSIONS)


def test_one_measurement_judged_by_both_cases(graded):
    for student in ("fast", "raises"):
        assert _result(graded, student)["staff_only"]["output"].count("SPEED CALLED") == 1
    fast, slow = _result(graded, "fast"), _result(graded, "slow")
    assert fast["benchmark"]["points"] == 3 and slow["benchmark"]["points"] == 1
    assert [c["passed"] for c in slow["cases"] if c["question"] == "q2"] == [True, False]


@pytest.mark.parametrize("student, why", [
    ("raises", "speed raised ValueError: no speed"),
    ("hangs", "time limit: speed did not finish within 4 s"),
    ("dies", "the student process ended during speed"),
    ("missing", "not defined: speed")])
def test_a_run_that_fails_is_the_submissions_own_row(graded, student, why):
    result = _result(graded, student)
    assert why in result["benchmark"]["error"] and result["benchmark"]["points"] == 0
    assert result["benchmark"]["seconds"] is None or student == "raises"
    assert all(why in c["message"] for c in result["cases"] if c["question"] == "q2")
    assert [c["passed"] for c in result["cases"] if c["question"] == "q1"] == [True]
    assert why in (graded / "feedback" / f"{student}.md").read_text()
