"""OUT/leaderboard.csv and the feedback's benchmark section, from Result.benchmark; the
gpu-check's JSON location and its offline install step."""
import csv
from pathlib import Path

from autograder import gpu_check
from autograder.grading.outputs import feedback, leaderboard
from autograder.grading.outputs.run import Run
from autograder.grading.results import Result


def measured(student, accuracy, seconds, points=0):
    return Result(student, f"{student}.ipynb", "", "", benchmark={
        "accuracy": accuracy, "seconds": seconds, "device": "NVIDIA H200", "torch": "2.11.0",
        "points": points})


def test_best_first_accuracy_then_seconds(tmp_path):
    results = [measured("slow", 0.98, 20.0, 5), measured("failed", 0.0, None),
               measured("fast", 0.98, 2.0, 5), measured("weak", 0.91, 1.0, 1),
               Result("empty", "empty.ipynb", "", "")]
    leaderboard.write(tmp_path, Run(results, {}, measured=True))
    with open(tmp_path / "leaderboard.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["student"] for r in rows] == ["fast", "slow", "weak", "failed"]
    assert rows[0] == {"student": "fast", "accuracy": "0.9800", "seconds": "2.000",
                       "device": "NVIDIA H200", "points": "5"}
    assert rows[-1]["seconds"] == ""


def test_feedback_tells_the_measurement():
    text = feedback.render(measured("fast", 0.9812, 2.5, 5), {"q6": 5.0})
    assert "## Benchmark" in text
    assert "98.12 %, 2.50 s of training on NVIDIA H200 (torch 2.11.0): 5 points" in text
    assert "## Benchmark" not in feedback.render(Result("x", "x.ipynb", "", ""), {"q6": 5.0})


def test_gpu_check_writes_its_json_under_out(monkeypatch, tmp_path):
    monkeypatch.setenv("OUT", str(tmp_path))
    assert gpu_check._json_path(None) == tmp_path / "gpu-check.json"
    monkeypatch.delenv("OUT")
    assert gpu_check._json_path(None) == gpu_check.ROOT / "dist" / "gpu-check.json"
    assert gpu_check.install(Path("nowhere"))["status"] == "skipped", "everything importable here"
    monkeypatch.setattr(gpu_check, "NEEDED", ("no_such_module_advopt",))
    assert "no wheels in nowhere" in gpu_check.install(Path("nowhere"))["detail"]
