"""The benchmark record read by every output: OUT/leaderboard.csv, the report's
leaderboard, the feedback's benchmark section, Gradescope's leaderboard entries (one
ranking key, Measurement.rank_key); the gpu-check's JSON location and its offline
install step."""
import csv
import itertools
from pathlib import Path

import pytest

from autograder import gpu_check
from autograder.gradescope import results_json
from autograder.grading import results
from autograder.grading.outputs import feedback, leaderboard, report
from autograder.grading.outputs.run import Run
from autograder.grading.results import Result
from autograder.measurement import Measurement, gradescope_entries

POINTS = {"q6": 5.0}


def measured(student, accuracy, seconds, points=0, error=""):
    return Result(student, f"{student}.ipynb", "", "", benchmark=Measurement(
        accuracy, seconds, "NVIDIA H200", "2.11.0", points, error))


CLASS = [measured("slow", 0.98, 20.0, 5), measured("failed", 0.0, None, error="fit raised X"),
         measured("fast", 0.98, 2.0, 5), measured("weak", 0.91, 1.0, 1),
         measured("pretrained", 0.99, 0.5, error="the model scored 99% before fit"),
         measured("over", 0.985, 300.0, error="training took 300 s, over the 240 s budget"),
         Result("empty", "empty.ipynb", "", "")]
ORDER = ["fast", "slow", "weak", "pretrained", "over", "failed"]


def test_best_first_valid_runs_then_those_that_do_not_count(tmp_path):
    leaderboard.write(tmp_path, Run(CLASS, {}, measured=True))
    with open(tmp_path / "leaderboard.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["student"] for r in rows] == ORDER
    assert rows[0] == {"student": "fast", "accuracy": "0.9800", "seconds": "2.000",
                       "device": "NVIDIA H200", "points": "5", "error": ""}
    assert rows[-1]["seconds"] == "" and rows[-1]["error"] == "fit raised X"


def test_one_ranking_whatever_the_order_of_the_class():
    for order in itertools.permutations(CLASS[:6], 6):
        assert [r.student for r in leaderboard.ranked(list(order))] == ORDER
    assert [r.student for r in leaderboard.ranked(CLASS)] == ORDER


def test_the_report_lists_every_measured_student_failed_runs_included(tmp_path):
    report.write(tmp_path, Run(CLASS, POINTS, measured=True))
    page = (tmp_path / "report.html").read_text()
    section = page[page.index("id=leaderboard"):page.index("id=distribution")]
    assert [s for s in ORDER if f"<td>{s}</td>" in section] == ORDER
    assert "fit raised X" in section and (tmp_path / "benchmark.png").stat().st_size > 0
    only_failed = tmp_path / "failed"
    only_failed.mkdir()
    report.write(only_failed, Run([CLASS[1]], POINTS, measured=True))  # nothing to plot
    assert "fit raised X" in (only_failed / "report.html").read_text()


def test_feedback_tells_the_measurement_and_why_it_does_not_count():
    text = feedback.render(measured("fast", 0.9812, 2.5, 5), POINTS)
    assert "## Benchmark" in text
    assert "98.12 %, 2.50 s of training on NVIDIA H200 (torch 2.11.0): 5 points" in text
    failed = feedback.render(CLASS[1], POINTS)
    assert "training failed" in failed and "It does not count: fit raised X" in failed
    assert "## Benchmark" not in feedback.render(Result("x", "x.ipynb", "", ""), POINTS)


def test_gradescope_entries_never_put_a_run_that_does_not_count_on_top():
    board = {e["name"]: e for e in gradescope_entries(CLASS[2].benchmark)}
    assert board["Test accuracy (%)"] == {"name": "Test accuracy (%)", "value": 98.0,
                                         "order": "desc"}
    assert board["Training time (s)"]["value"] == 2.0 and board["Device"]["value"] == "NVIDIA H200"
    for result in CLASS[4:6] + CLASS[1:2]:
        entries = {e["name"]: e["value"] for e in gradescope_entries(result.benchmark)}
        assert entries["Test accuracy (%)"] == 0.0 and entries["Training time (s)"] == "failed"
    shown = results_json(CLASS[2], POINTS, "hidden")
    assert shown["leaderboard"] == gradescope_entries(CLASS[2].benchmark)
    assert "leaderboard" not in results_json(CLASS[-1], POINTS, "hidden")


def test_the_measurement_survives_the_results_file(tmp_path):
    results.save(tmp_path, CLASS[1])
    assert results.load(tmp_path, "failed").benchmark == CLASS[1].benchmark
    results.save(tmp_path, CLASS[-1])
    assert results.load(tmp_path, "empty").benchmark is None


@pytest.mark.parametrize("stored", [{}, None, {"accuracy": 0.9, "seconds": 2.0, "device": "cpu",
                                               "torch": "2.1", "points": 3}])
def test_results_of_earlier_runs_still_load(tmp_path, stored):
    import json

    results.save(tmp_path, CLASS[-1])
    path = results.path(tmp_path, "empty")
    data = json.loads(path.read_text())
    data["benchmark"] = stored
    path.write_text(json.dumps(data))
    loaded = results.load(tmp_path, "empty").benchmark
    assert loaded == (Measurement(0.9, 2.0, "cpu", "2.1", 3.0) if stored else None)


def test_gpu_check_writes_its_json_under_out(monkeypatch, tmp_path):
    monkeypatch.setenv("OUT", str(tmp_path))
    assert gpu_check._json_path(None) == tmp_path / "gpu-check.json"
    monkeypatch.delenv("OUT")
    assert gpu_check._json_path(None) == gpu_check.ROOT / "dist" / "gpu-check.json"
    assert gpu_check.install(Path("nowhere"))["status"] == "skipped", "everything importable here"
    monkeypatch.setattr(gpu_check, "NEEDED", ("no_such_module_advopt",))
    assert "no wheels in nowhere" in gpu_check.install(Path("nowhere"))["detail"]
