"""The benchmark question (q6) on a small MNIST subset: one measurement judged by every
threshold, budget, the test set kept from student code, the model size bounded, the
secret transform (honest training unaffected, weights trained elsewhere and every
recovery attack without points), the attacks of benchmark_attacks.py."""
import statistics

import numpy as np
import pytest
import torch

import benchmark_attacks as attacks
import solutions.mnist as reference
from autograder.cases import run_case
from autograder.measurement import BENCHMARK_ARGUMENT, Measurement
from autograder.mnist import BENCHMARK, CASES
from autograder.mnist.data import load_mnist
from autograder.mnist.hidden import q6_benchmark as q6

QUESTION = [c for c in CASES if c.question == "q6"]
THRESHOLDS = {"reaches_90_percent": 0.90, "reaches_95_percent": 0.95,
              "reaches_97_percent": 0.97, "reaches_98_percent": 0.98}
QUICK = {"hidden": [64], "dropout": 0.0, "lr": 0.003, "batch_size": 128, "epochs": 2}
TRAIN, TEST = 3000, 500


@pytest.fixture(scope="module")
def subset():
    X_train, y_train, X_test, y_test = load_mnist(download=False)
    return X_train[:TRAIN], y_train[:TRAIN], X_test[:TEST], y_test[:TEST]


@pytest.fixture(autouse=True)
def small_benchmark(subset, monkeypatch):
    monkeypatch.setattr(q6, "load_mnist", lambda: subset)


def grade(namespace) -> tuple[dict, Measurement]:
    """One measurement, judged by every case of q6 (what the grader's runner does)."""
    measured = BENCHMARK.measure(*(namespace[n] for n in BENCHMARK.needs))
    return {c.name: run_case(c, {BENCHMARK_ARGUMENT: measured}) for c in QUESTION}, measured


def test_the_cases_judge_one_measurement():
    calls = []

    def counting_fit(*args):
        calls.append(args)
        return reference.fit(*args)

    results, measured = grade({"build_model": reference.build_model, "fit": counting_fit,
                               "BEST_HPARAMS": QUICK})
    assert len(calls) == 1 and BENCHMARK.needs == ("build_model", "fit", "BEST_HPARAMS")
    assert measured.counts and measured.device == "cpu" and measured.seconds > 0
    assert measured.torch == torch.__version__ and 0.8 < measured.accuracy < 1.0
    for name, result in results.items():
        assert result.passed == (measured.accuracy >= THRESHOLDS[name]), (name, result.message)
    assert sum(r.score for r in results.values()) < 5, "3000 images cannot give 98 %"


def test_otter_test_cells_measure_once_in_the_first_case():
    """The --engine otter zip runs the master notebook's test cells in the student's
    globals, in order: the first q6 cell takes the measurement, every cell judges it."""
    from autograder.notebooks import test_cell_source

    calls = []

    def counting_fit(*args):
        calls.append(args)
        return reference.fit(*args)

    namespace = {"build_model": reference.build_model, "fit": counting_fit,
                 "BEST_HPARAMS": QUICK}
    for case in QUESTION:
        try:
            exec(test_cell_source(case, "mnist"), namespace)
        except AssertionError:
            pass
    assert len(calls) == 1 and namespace[BENCHMARK_ARGUMENT].counts


def test_the_test_set_never_reaches_student_code():
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
    assert measured.counts and measured.accuracy > 0.8
    assert any(len(t) == TRAIN for t in seen) and not any(len(t) == TEST for t in seen)


def test_wrong_hyperparameters_lose_points():
    results, _ = grade({"build_model": reference.build_model, "fit": reference.fit,
                        "BEST_HPARAMS": {**QUICK, "lr": 50.0}})
    assert not results["reaches_90_percent"].passed


def test_over_the_budget_fails_every_case(monkeypatch):
    monkeypatch.setattr(q6, "CPU_BUDGET_S", 0.0)
    results, measured = grade(attacks.honest(QUICK))
    assert not measured.counts and measured.seconds > 0
    assert not any(r.passed for r in results.values())
    assert all("over the 0 s budget" in r.message for r in results.values())


def test_a_failing_fit_is_reported_in_every_case():
    def broken_fit(model, X, y, hparams, device):
        raise RuntimeError("CUDA out of memory")

    results, measured = grade({"build_model": reference.build_model, "fit": broken_fit,
                               "BEST_HPARAMS": QUICK})
    assert measured.seconds is None and measured.accuracy == 0.0
    assert all("fit raised RuntimeError: CUDA out of memory" in r.message
               for r in results.values())


HPARAMS_REFUSED = {
    "two layers of 30,000": {"hidden": [30000, 30000]},
    "one layer of 20,000": {"hidden": [20000]},
    "a thousand layers": {"hidden": [8] * 1000},
    "a width of zero": {"hidden": [64, 0]},
    "a negative width": {"hidden": [-5]},
    "a width that is a float": {"hidden": [64.5]},
    "a width that is a bool": {"hidden": [True]},
    "a width of 10**30": {"hidden": [10 ** 30]},
    "hidden not a list": {"hidden": "512"},
    "no hidden": {"hidden": None},
    "dropout of 1": {"dropout": 1.0},
    "dropout not a number": {"dropout": "0.1"},
    "dropout NaN": {"dropout": float("nan")},
}


@pytest.mark.parametrize("case", HPARAMS_REFUSED)
def test_the_grader_builds_no_model_beyond_its_bound(case):
    """BEST_HPARAMS is the student's: what it asks the grader to build is bounded before
    anything is built (docs/spec.md, Q5), and the student's code is not called."""
    calls = []
    hparams = {**QUICK, **HPARAMS_REFUSED[case]}
    measured = q6.measure(lambda h: calls.append(h), lambda *a: calls.append(a), hparams)
    assert calls == [] and measured.seconds is None and "BEST_HPARAMS" in measured.error


def test_random_hparams_never_raise_and_respect_the_bound():
    rng = np.random.default_rng(0)
    values = [None, True, -1, 0, 1, 2.5, "x", [], [1], [10 ** 6], [0.5], {}, float("inf"),
              np.int64(16), [np.int64(16)] * 3, list(range(1, 40))]
    for _ in range(200):
        hparams = {"hidden": values[rng.integers(len(values))],
                   "dropout": values[rng.integers(len(values))]}
        try:
            architecture = q6.bounded(hparams)
        except q6._Failed as refused:
            assert "BEST_HPARAMS" in str(refused)
            continue
        model = q6.specified_model(architecture)
        assert sum(t.numel() for t in model.state_dict().values()) <= q6.MAX_PARAMETERS + 64


def test_the_bound_admits_the_reference_configuration_and_says_its_size():
    assert q6.bounded(reference.BEST_HPARAMS)["hidden"] == reference.BEST_HPARAMS["hidden"]
    with pytest.raises(q6._Failed, match="a model of 924,120,010 parameters; the benchmark "
                                         "builds at most 10,000,000"):
        q6.bounded({"hidden": [30000, 30000], "dropout": 0.1})


@pytest.mark.gpu
def test_gpu_path_trains_on_the_gpu():
    measured = q6.measure(reference.build_model, reference.fit, QUICK)
    assert measured.counts and measured.device == torch.cuda.get_device_name()


# ----------------------------------------------------------------------------- the transform
def test_the_transform_is_secret_and_consistent(subset):
    X_train, y_train, X_test, y_test = subset
    a, b = q6.Transform.draw(TRAIN), q6.Transform.draw(TRAIN)
    assert not np.allclose(a.mix_in, b.mix_in), "a fresh transform per run"
    images, labels, standardization = a.train(X_train, y_train)
    assert images.dtype == np.float32 and images.shape == (TRAIN, 784)
    assert np.allclose(images.mean(0), 0, atol=1e-3) and np.allclose(images.std(0), 1, atol=1e-2)
    first = a.order[0]
    assert np.allclose(images[0], a.test(X_train[first:first + 1], standardization)[0], atol=1e-4)
    assert labels[0] == a.classes[y_train[first]]
    assert a.accuracy(a.classes[y_test], y_test) == 1.0 and a.accuracy(y_test, y_test) < 0.5


def test_honest_training_is_unaffected_by_the_transform(subset):
    """Same seeds, plain images and transformed ones: the same accuracy distribution
    (full size: tests/support/benchmark_attacks.py)."""
    def accuracy(seed, plain):
        torch.manual_seed(seed)
        return attacks.honest_accuracy(subset, {**QUICK, "seed": seed}, seed, plain)

    seeds = range(4)
    plain = [accuracy(s, True) for s in seeds]
    transformed = [accuracy(s, False) for s in seeds]
    print(f"accuracy on plain images {plain}, transformed {transformed}")
    assert min(plain + transformed) > 0.8
    assert abs(statistics.mean(plain) - statistics.mean(transformed)) < 0.02


def test_offline_weights_score_chance_on_transformed_images(offline, subset):
    transform = q6.Transform.draw(TRAIN)
    _, _, standardization = transform.train(subset[0], subset[1])
    images = torch.from_numpy(transform.test(subset[2], standardization))
    model = q6.specified_model(QUICK)
    plain = attacks.accuracy(offline, attacks.standardized(subset[2]), subset[3])
    transformed = q6._accuracy(model, dict(offline), images, transform, subset[3])
    assert plain > 0.85 and transformed < q6.PRETRAINED_ACCURACY


# ----------------------------------------------------------------------------- attacks
@pytest.fixture(scope="module")
def offline(subset):
    return attacks.train_offline(subset[0], subset[1], QUICK)


ATTACKS = {
    "weights loaded at the benchmark size":
        lambda off: attacks.weights_at_benchmark_size(QUICK, off, TRAIN),
    "weights baked into build_model": lambda off: attacks.weights_in_build_model(QUICK, off),
    "thread training after fit returned": lambda off: attacks.thread_after_return(QUICK),
    "training inside build_model": lambda off: attacks.train_in_build_model(QUICK),
    "disk data read in build_model": lambda off: attacks.disk_data_in_build_model(QUICK, TRAIN),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_attack_earns_no_points(attack, offline):
    results, measured = grade(ATTACKS[attack](offline))
    assert sum(r.score for r in results.values()) == 0, {n: r.message for n, r in results.items()}
    assert measured.accuracy < q6.PRETRAINED_ACCURACY or "before fit" in measured.error


@pytest.mark.parametrize("style", [attacks.honest, attacks.honest_fast])
def test_honest_styles_keep_their_points(style):
    results, measured = grade(style(QUICK))
    assert measured.counts and measured.accuracy > 0.8
    for name, result in results.items():
        assert result.passed == (measured.accuracy >= THRESHOLDS[name]), (name, result.message)


def test_a_model_trained_before_fit_earns_nothing():
    """Even training that is timed: build_model must return an untrained model."""
    results, measured = grade(attacks.train_in_build_model(QUICK))
    assert not measured.counts and measured.rank_key[0] == 1
    assert all("before fit" in r.message for r in results.values())


def test_a_model_of_another_architecture_is_reported():
    results, _ = grade({"build_model": lambda h: torch.nn.Linear(784, 10),
                        "fit": reference.fit, "BEST_HPARAMS": QUICK})
    assert all("does not match the architecture" in r.message for r in results.values())


def test_a_state_that_is_not_tensors_is_reported():
    class Odd(torch.nn.Module):
        def __init__(self, hparams):
            super().__init__()
            self.net = reference.build_model(hparams)

        def forward(self, x):
            return self.net(x)

        def state_dict(self, *args, **kwargs):
            return {"weights": [1.0, 2.0]}

    _, measured = grade({"build_model": Odd, "fit": reference.fit, "BEST_HPARAMS": QUICK})
    assert measured.seconds is None and "state" in measured.error


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
    hparams = {"hidden": [32, 32, 16], "dropout": 0.1}
    torch.manual_seed(0)
    student = _LayersPerKind(hparams["hidden"], 0.1)
    for norm in student.norms:
        norm.running_mean.normal_()
        norm.running_var.uniform_(0.5, 2.0)
    rebuilt = q6.specified_model(hparams)
    rebuilt.load_state_dict(q6._arranged(student.state_dict(), rebuilt))
    student.eval(), rebuilt.eval()
    x = torch.randn(8, 784)
    assert torch.allclose(rebuilt(x), student(x), atol=1e-6)
    with pytest.raises(q6._Failed, match="1 BatchNorm1d layers"):
        q6._arranged(q6.specified_model({"hidden": [32], "dropout": 0.0}).state_dict(), rebuilt)


# ----------------------------------------------------------------------------- recovery
# Measured at GAIN 1.0 with Recovery(train=20000, test=2000, seed=0): against the transform
# class covariances 72.7 %, gaussianized class covariances 71.7 % (the highest; means and
# squares, principal axes and ICA lower); at full size (60,000 / 10,000, seed 1) the three
# second-order attacks reach 46-49 %. Against the permutation: means and squares 94 %, class
# covariances 76.5 %, gaussianized 80 %. GAIN 1.5 held every attack under 53 % here but cost
# the reference 0.7 points (its 98 % case); GAIN 1.0 costs 0.15.
TRANSFORM_CEILING = 0.80     # the highest measured, 72.7 %, with a 7-point margin
PERMUTATION_FLOOR = 0.70     # the lowest measured, 76.5 %, with a 6-point margin
HARDER_BY = 0.25             # points fewer than against a permutation it breaks past 90 %


@pytest.mark.slow
@pytest.mark.parametrize("attack", attacks.RECOVERY)
def test_recovery_attacks_fail_against_the_transform_and_break_a_permutation(attack, recovery):
    """No recovery attack brings weights trained offline anywhere near the benchmark's first
    points threshold (q6.THRESHOLDS[0], 90 %): at most TRANSFORM_CEILING through any of
    them. The attacks are real: those in BREAKS_PERMUTATION recover the earlier scramble (a
    pixel permutation) to PERMUTATION_FLOOR or more, and one that breaks it past the first
    threshold scores at least HARDER_BY lower against the transform. Figures measured with
    seed 0 above; full size: python tests/support/benchmark_attacks.py."""
    assert TRANSFORM_CEILING <= q6.THRESHOLDS[0] - 0.1   # "nowhere near": 10 points below
    against_permutation, _ = recovery.run(attack, attacks.permutation_scramble)
    against_transform, _ = recovery.run(attack, None)
    print(f"{attack}: permutation {against_permutation:.1%}, transform {against_transform:.1%}")
    assert against_transform < TRANSFORM_CEILING
    if attack in attacks.BREAKS_PERMUTATION:
        assert against_permutation > PERMUTATION_FLOOR
        if against_permutation > q6.THRESHOLDS[0]:
            assert against_transform < against_permutation - HARDER_BY


@pytest.fixture(scope="module")
def recovery():
    return attacks.Recovery(train=20000, test=2000, seed=0)
