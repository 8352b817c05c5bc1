"""The sealed bulk grader on mnist submissions: handles for nn.Module and DataFrame, the
support file in the sandbox, and the GPU question graded separately and merged (on a
small MNIST subset, so the benchmark trains in seconds): measurements in results, the
leaderboard and feedback, a cheat that keeps training after fit returned gets nothing."""
import csv
import inspect
import json
import textwrap

import pytest

import grading_notebooks as nbs
import solutions.mnist as reference
from autograder.grading.batch import grade_folder
from autograder.gpu_check import CHEAT
from autograder.grading.runner import Limits
from autograder.mnist import CASES, GPU_QUESTIONS
from autograder.mnist.data import load_mnist
from autograder.grading.manual import questions as written_questions
from autograder.mnist.hidden import q6_benchmark as q6

IMPORTS = ("import numpy as np\nimport pandas as pd\nimport torch\nimport torch.nn as nn\n"
           "import torch.nn.functional as F\nfrom mnist_data import load_mnist, to_tensors")
QUICK = {"hidden": [256], "dropout": 0.0, "lr": 0.002, "batch_size": 64, "epochs": 6}
LIMITS = Limits(timeout=120, memory_mb=3072)


def answers(best=QUICK):
    functions = [textwrap.dedent(inspect.getsource(getattr(reference, n)))
                 for n in ("minibatches", "build_model", "fit", "random_search")]
    return [IMPORTS, *functions, f"BEST_HPARAMS = {best!r}"]


@pytest.fixture
def small_benchmark(monkeypatch):
    X_train, y_train, X_test, y_test = load_mnist(download=False)
    monkeypatch.setattr(q6, "load_mnist", lambda: (X_train[:3000], y_train[:3000],
                                                   X_test[:500], y_test[:500]))
    q6._measurements.clear()


def test_reference_and_broken_submissions_then_the_gpu_question(tmp_path, small_benchmark):
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    (folder / "ref.ipynb").write_bytes(nbs.notebook(answers()))
    broken = answers({**QUICK, "lr": 50.0})
    broken[2] = broken[2].replace("nn.BatchNorm1d(size), nn.ReLU()", "nn.ReLU(), nn.BatchNorm1d(size)")
    (folder / "broken.ipynb").write_bytes(nbs.notebook(broken))
    (folder / "empty.ipynb").write_bytes(nbs.notebook([IMPORTS]))
    cheat = answers()
    (folder / "thread.ipynb").write_bytes(nbs.notebook(cheat[:-1] + [CHEAT, cheat[-1]]))
    grade_folder(folder, out, assignment="mnist", limits=LIMITS, progress=False)
    rows = nbs.read_gradebook(out)
    code = sum(c.points for c in CASES)
    without_gpu = sum(c.points for c in CASES if c.question not in GPU_QUESTIONS)
    written = sum(q.points for q in written_questions("mnist"))
    assert rows["ref"]["total"] == f"{without_gpu:g}" and rows["ref"]["q6"] == ""
    assert rows["ref"]["max"] == f"{code + written:g}"
    assert rows["ref"]["status"] == "graded" and rows["ref"]["detail"] == ""
    assert int(rows["broken"]["q2"]) < 4 and rows["empty"]["total"] == "0"

    grade_folder(folder, out, assignment="mnist", limits=LIMITS, gpu=True, progress=False)
    rows = nbs.read_gradebook(out)
    measured = int(rows["ref"]["q6"])
    assert 1 <= measured < 5, "3000 images: above 90 %, below 98 %"
    assert rows["ref"]["total"] == f"{without_gpu + measured:g}"
    assert rows["broken"]["q6"] == "0" and rows["empty"]["q6"] == "0"
    assert rows["thread"]["q6"] == "0" and rows["thread"]["total"] == f"{without_gpu:g}"

    ref = json.loads((out / "results" / "ref.json").read_text())["benchmark"]
    assert set(ref) == {"accuracy", "seconds", "device", "torch", "points", "host"}
    assert 0.9 < ref["accuracy"] < 1 and ref["device"] == "cpu" and ref["points"] == measured
    with open(out / "leaderboard.csv") as f:
        board = list(csv.DictReader(f))
    assert [r["student"] for r in board][0] == "ref" and len(board) == 3, "empty: not measured"
    assert {r["student"]: float(r["accuracy"]) for r in board}["thread"] < 0.5
    assert f"{100 * ref['accuracy']:.2f} %" in (out / "feedback" / "ref.md").read_text()
