"""The benchmark question (q6) on a small MNIST subset: one training run for all its
cases, thresholds, budget, labels kept from student code, the Gradescope leaderboard."""
import json

import pytest
import torch

import solutions.mnist as reference
from autograder.cases import run_case
from autograder.mnist import CASES, GRADESCOPE_AFTER, GRADESCOPE_ENV
from autograder.mnist import leaderboard
from autograder.mnist.data import load_mnist
from autograder.mnist.hidden import q6_benchmark as q6
from autograder.release.build import with_gradescope_hooks

BENCHMARK = [c for c in CASES if c.question == "q6"]
THRESHOLDS = {"reaches_90_percent": 0.90, "reaches_95_percent": 0.95,
              "reaches_97_percent": 0.97, "reaches_98_percent": 0.98}
QUICK = {"hidden": [64], "dropout": 0.0, "lr": 0.003, "batch_size": 128, "epochs": 2}


@pytest.fixture(scope="module")
def subset():
    X_train, y_train, X_test, y_test = load_mnist(download=False)
    return X_train[:3000], y_train[:3000], X_test[:500], y_test[:500]


@pytest.fixture(autouse=True)
def small_benchmark(subset, monkeypatch):
    monkeypatch.setattr(q6, "load_mnist", lambda: subset)
    monkeypatch.delenv(q6.LEADERBOARD_ENV, raising=False)
    q6._last.clear()


def grade(namespace):
    return {c.name: run_case(c, namespace) for c in BENCHMARK}


def test_one_training_run_scores_every_threshold(subset):
    calls = []

    def counting_fit(*args):
        calls.append(args)
        return reference.fit(*args)

    results = grade({"build_model": reference.build_model, "fit": counting_fit,
                     "BEST_HPARAMS": QUICK})
    assert len(calls) == 1, "the four cases must share one training run"
    measured = q6.measure(reference.build_model, counting_fit, QUICK)
    assert measured["device"] == "cpu" and measured["seconds"] > 0
    assert 0.8 < measured["accuracy"] < 1.0
    for name, result in results.items():
        assert result.passed == (measured["accuracy"] >= THRESHOLDS[name]), (name, result.message)
    assert sum(r.score for r in results.values()) < 5, "3000 images cannot give 98 %"


def test_test_labels_never_reach_student_code(subset):
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            seen.append(x)
            return self.inner(x)

    def spy_fit(model, X, y, hparams, device):
        seen.extend([X, y])
        return reference.fit(model, X, y, hparams, device)

    grade({"build_model": lambda h: Spy(reference.build_model(h)), "fit": spy_fit,
           "BEST_HPARAMS": QUICK})
    test_labels = torch.as_tensor(subset[3]).long()
    for tensor in seen:
        assert not (tensor.shape == test_labels.shape and torch.equal(tensor.long(), test_labels))
    assert any(t.shape == (500, 784) for t in seen), "the test images were predicted"


def test_wrong_hyperparameters_lose_points():
    diverging = {**QUICK, "lr": 50.0}
    results = grade({"build_model": reference.build_model, "fit": reference.fit,
                     "BEST_HPARAMS": diverging})
    assert not results["reaches_90_percent"].passed


def test_over_the_budget_fails_every_case(monkeypatch):
    monkeypatch.setattr(q6, "CPU_BUDGET_S", 0.0)
    results = grade({"build_model": reference.build_model, "fit": reference.fit,
                     "BEST_HPARAMS": QUICK})
    assert not any(r.passed for r in results.values())
    assert all("over the 0 s budget" in r.message for r in results.values())


def test_a_failing_fit_is_reported_in_every_case():
    def broken_fit(model, X, y, hparams, device):
        raise RuntimeError("CUDA out of memory")

    results = grade({"build_model": reference.build_model, "fit": broken_fit,
                     "BEST_HPARAMS": QUICK})
    assert all("fit raised RuntimeError: CUDA out of memory" in r.message
               for r in results.values())


def test_the_measurement_becomes_a_gradescope_leaderboard(tmp_path, monkeypatch):
    measurement, results_json = tmp_path / "benchmark.json", tmp_path / "results.json"
    results_json.write_text(json.dumps({"tests": [], "score": 3}))
    assert not leaderboard.merge(measurement, results_json), "no measurement, no change"
    monkeypatch.setenv(q6.LEADERBOARD_ENV, str(measurement))
    grade({"build_model": reference.build_model, "fit": reference.fit, "BEST_HPARAMS": QUICK})
    assert leaderboard.main([str(measurement), str(results_json)]) == 0
    board = {e["name"]: e for e in json.loads(results_json.read_text())["leaderboard"]}
    accuracy = json.loads(measurement.read_text())["accuracy"]
    assert board["Test accuracy (%)"]["value"] == pytest.approx(100 * accuracy, abs=0.01)
    assert board["Test accuracy (%)"]["order"] == "desc"
    assert board["Training time (s)"]["order"] == "asc" and board["Device"]["value"] == "cpu"


def test_the_zip_runs_the_leaderboard_after_otter():
    otter_script = (b"#!/bin/bash\nmamba activate otter-env\n"
                    b"python /autograder/source/run_otter.py\n")
    lines = with_gradescope_hooks(otter_script, GRADESCOPE_ENV, GRADESCOPE_AFTER).decode().split("\n")
    run = lines.index("python /autograder/source/run_otter.py")
    assert lines[run - 1] == f"export {q6.LEADERBOARD_ENV}={GRADESCOPE_ENV[q6.LEADERBOARD_ENV]}"
    assert lines[run + 1] == GRADESCOPE_AFTER and lines[1] == "mamba activate otter-env"


@pytest.mark.gpu
def test_gpu_path_trains_on_the_gpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    measured = q6.measure(reference.build_model, reference.fit, QUICK)
    assert measured["device"] == "cuda" and measured["budget_s"] == q6.GPU_BUDGET_S
