"""The benchmark question (q6) on a small MNIST subset: one training run for all its
cases, thresholds, budget, the test set kept from student code, the secret scramble
(honest training unaffected, every attack without points), the Gradescope leaderboard."""
import json
import statistics

import numpy as np
import pytest
import torch

import benchmark_attacks as attacks
import solutions.mnist as reference
from autograder.cases import run_case
from autograder.mnist import CASES, GRADESCOPE_AFTER, GRADESCOPE_ENV
from autograder.mnist import leaderboard
from autograder.mnist.data import load_mnist, to_tensors
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
    q6._measurements.clear()


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
    assert measured["torch"] == torch.__version__
    assert 0.8 < measured["accuracy"] < 1.0
    for name, result in results.items():
        assert result.passed == (measured["accuracy"] >= THRESHOLDS[name]), (name, result.message)
    assert sum(r.score for r in results.values()) < 5, "3000 images cannot give 98 %"


def test_the_test_set_never_reaches_student_code(subset):
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self, hparams):
            super().__init__()
            self.inner = reference.build_model(hparams)

        def forward(self, x):
            seen.append(x)
            return self.inner(x)

    def spy_fit(model, X, y, hparams, device):
        seen.extend([X, y])
        return reference.fit(model, X, y, hparams, device)

    measured = q6.measure(Spy, spy_fit, QUICK)
    assert not measured["error"] and measured["accuracy"] > 0.8
    assert any(len(t) == 3000 for t in seen) and not any(len(t) == 500 for t in seen)


def test_interleaved_submissions_keep_their_own_measurement():
    runs = []

    def submission():
        def fit(*args):
            runs.append(fit)
            return reference.fit(*args)
        return {"build_model": reference.build_model, "fit": fit, "BEST_HPARAMS": QUICK}

    first, second = submission(), submission()
    for namespace in (first, second, first, second):
        q6.measure(namespace["build_model"], namespace["fit"], QUICK)
    assert len(runs) == 2 and runs[0] is not runs[1]
    assert q6.recorded(first)["accuracy"] > 0.8 and q6.recorded({}) == {}


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
    measured = q6.measure(reference.build_model, reference.fit, QUICK)
    assert measured["device"] == "cuda" and measured["budget_s"] == q6.GPU_BUDGET_S


# ----------------------------------------------------------------------------- the scramble
def test_scramble_is_secret_and_consistent(subset):
    X_train, y_train, X_test, y_test = subset
    a, b = q6.Scramble.draw(len(X_train)), q6.Scramble.draw(len(X_train))
    assert not np.array_equal(a.pixels, b.pixels), "a fresh scramble per run"
    images, labels = a.train(X_train, y_train)
    first = a.order[0]
    assert np.array_equal(images[0], X_train[first].reshape(-1)[a.pixels])
    assert labels[0] == a.classes[y_train[first]]
    assert np.array_equal(np.sort(a.test(X_test), 1), np.sort(X_test.reshape(500, -1), 1))
    assert a.accuracy(a.classes[y_test], y_test) == 1.0 and a.accuracy(y_test, y_test) < 0.5


def test_honest_training_is_unaffected_by_the_scramble(subset):
    """Same seeds, with and without the scramble: the same accuracy distribution."""
    def accuracy(seed, scramble):
        torch.manual_seed(seed)
        hparams = {**QUICK, "seed": seed}
        return q6._train_and_test(reference.build_model, reference.fit, hparams, scramble)["accuracy"]

    seeds = range(4)
    plain = [accuracy(s, q6.Scramble.identity(3000)) for s in seeds]
    scrambled = [accuracy(s, q6.Scramble.draw(3000)) for s in seeds]
    print(f"accuracy without scramble {plain}, with {scrambled}")
    assert min(plain + scrambled) > 0.8
    assert abs(statistics.mean(plain) - statistics.mean(scrambled)) < 0.015


def test_offline_weights_score_chance_on_scrambled_images(offline, subset):
    plain = q6._accuracy(dict(offline), QUICK, to_tensors(subset[2]),
                         q6.Scramble.identity(3000), subset[3])
    scramble = q6.Scramble.draw(3000)
    scrambled = q6._accuracy(dict(offline), QUICK,
                             to_tensors(scramble.test(subset[2])), scramble, subset[3])
    assert plain > 0.85 and scrambled < q6.PRETRAINED_ACCURACY


# ----------------------------------------------------------------------------- attacks
@pytest.fixture(scope="module")
def offline(subset):
    return attacks.train_offline(subset[0], subset[1], QUICK)


ATTACKS = {
    "weights loaded at the benchmark size": lambda off: attacks.weights_at_benchmark_size(QUICK, off, 3000),
    "weights baked into build_model": lambda off: attacks.weights_in_build_model(QUICK, off),
    "thread training after fit returned": lambda off: attacks.thread_after_return(QUICK),
    "training inside build_model": lambda off: attacks.train_in_build_model(QUICK),
    "disk data read in build_model": lambda off: attacks.disk_data_in_build_model(QUICK, 3000),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_attack_earns_no_points(attack, offline):
    namespace = ATTACKS[attack](offline)
    results = grade(namespace)
    assert sum(r.score for r in results.values()) == 0, {n: r.message for n, r in results.items()}
    measured = q6.measure(namespace["build_model"], namespace["fit"], QUICK)
    assert measured["accuracy"] < q6.PRETRAINED_ACCURACY or "before fit" in measured["error"]


@pytest.mark.parametrize("style", [attacks.honest, attacks.honest_fast])
def test_honest_styles_keep_their_points(style):
    namespace = style(QUICK)
    results = grade(namespace)
    measured = q6.recorded(namespace)
    assert not q6.measure(namespace["build_model"], namespace["fit"], QUICK)["error"]
    assert measured["accuracy"] > 0.8
    for name, result in results.items():
        assert result.passed == (measured["accuracy"] >= THRESHOLDS[name]), (name, result.message)


def test_a_model_trained_before_fit_earns_nothing():
    """Even training that is timed: build_model must return an untrained model."""
    results = grade(attacks.train_in_build_model(QUICK))
    assert all("before fit" in r.message for r in results.values())


def test_a_model_of_another_architecture_is_reported():
    results = grade({"build_model": lambda h: torch.nn.Linear(784, 10),
                     "fit": reference.fit, "BEST_HPARAMS": QUICK})
    assert all("does not match the architecture" in r.message for r in results.values())


class _LayersPerKind(torch.nn.Module):
    """A correct SPEC model written another way: one ModuleList per kind, a leading
    Flatten, ReLU and dropout applied in forward."""

    def __init__(self, hidden, p):
        super().__init__()
        widths = [784, *hidden]
        self.flatten, self.p = torch.nn.Flatten(), p
        self.linears = torch.nn.ModuleList(
            [torch.nn.Linear(a, b) for a, b in zip(widths, widths[1:])] + [torch.nn.Linear(widths[-1], 10)])
        self.norms = torch.nn.ModuleList([torch.nn.BatchNorm1d(h) for h in hidden])

    def forward(self, x):
        x = self.flatten(x)
        for linear, norm in zip(self.linears, self.norms):
            x = torch.nn.functional.dropout(torch.relu(norm(linear(x))), self.p, self.training)
        return self.linears[-1](x)


def test_the_state_is_read_by_role_not_by_registration_order():
    from autograder.mnist.hidden import q6_benchmark as q6
    from autograder.mnist.hidden.q3_fit import spec_model

    hparams = {"hidden": [32, 32, 16], "dropout": 0.1}
    torch.manual_seed(0)
    student = _LayersPerKind(hparams["hidden"], 0.1)
    for norm in student.norms:
        norm.running_mean.normal_()
        norm.running_var.uniform_(0.5, 2.0)
    rebuilt = spec_model(hparams)
    rebuilt.load_state_dict(q6._arranged(q6._state(student), rebuilt))
    student.eval(), rebuilt.eval()
    x = torch.randn(8, 784)
    assert torch.allclose(rebuilt(x), student(x), atol=1e-6)
    with pytest.raises(q6._Failed, match="1 BatchNorm1d layers"):
        q6._arranged(q6._state(spec_model({"hidden": [32], "dropout": 0.0})), rebuilt)
