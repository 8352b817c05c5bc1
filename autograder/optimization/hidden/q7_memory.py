"""Hidden checks of Q7, ``training_memory``, against the formulas and a real torch MLP."""
import numpy as np
import torch

from autograder.drawn import search
from autograder.optimization.hidden.judging import call_drawn, changed_arguments
from autograder.optimization.hidden.space import SPACES
from autograder.optimization.public import assert_raises

STATE_COPIES = {"sgd": 0, "momentum": 1, "adam": 2}


def expected_bytes(layer_sizes, batch_size, **settings):
    """SPEC Q7 written out: P = sum(n_{i-1} n_i + n_i) values, state copies of P,
    activations batch_size * sum(layer_sizes), per-example gradients batch_size * P;
    settings: optimizer, bytes_per_value, per_example_grads (SPEC's defaults otherwise)."""
    optimizer = settings.get("optimizer", "sgd")
    bytes_per_value = settings.get("bytes_per_value", 4)
    per_example_grads = settings.get("per_example_grads", False)
    P = sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    want = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
            "optimizer_state": STATE_COPIES[optimizer] * P * bytes_per_value,
            "activations": batch_size * sum(layer_sizes) * bytes_per_value,
            "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0}
    want["total"] = sum(want.values())
    return want


def judge_memory(training_memory, drawn, keys, conventions=False):
    """The byte counts of ``keys`` equal SPEC's; with ``conventions`` every count is an int
    (Python or numpy) and layer_sizes is unchanged."""
    got, after = call_drawn(training_memory, drawn)
    if not isinstance(got, dict):
        raise AssertionError(f"{drawn} returned a {type(got).__name__}, expected a dict")
    settings = {k: int(v) if not isinstance(v, (str, bool)) else v for k, v in drawn.values
                if k != "layer_sizes"}
    want = expected_bytes([int(n) for n in drawn["layer_sizes"]], **settings)
    problems = [f"no key {k!r}" for k in keys if k not in got]
    for key in (k for k in keys if k in got):
        value = got[key]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            problems.append(f"{key} is a {type(value).__name__}, expected an int")
        elif value != want[key]:
            problems.append(f"{key} is {value!r}, expected {want[key]}")
        elif conventions and not isinstance(value, (int, np.integer)):
            problems.append(f"{key} is {value!r}, a {type(value).__name__}: byte counts are "
                            f"integers (use // or int(...), not /)")
    if conventions and changed_arguments(drawn, after):
        problems.append("modified layer_sizes in place")
    if problems:
        raise AssertionError(f"{drawn}:\n  " + "\n  ".join(problems))


def _compare(training_memory, name, keys):
    """``keys`` on drawn nets (2 to 6 layers of 1 to 1000 units), batch sizes, optimizers,
    bytes per value and per-example flags."""
    space = SPACES["training_memory"]
    search(f"q7.{name}", space.math, lambda d: judge_memory(training_memory, d, keys),
           space.math_edges)


def parameters_and_gradients(training_memory):
    """P = sum(n_{i-1} n_i + n_i) values, weights AND biases, times bytes_per_value."""
    _compare(training_memory, "parameters", ("parameters", "gradients"))


def optimizer_state_copies(training_memory):
    """0, 1 or 2 copies of the parameters for sgd, momentum, adam."""
    _compare(training_memory, "optimizer_state", ("optimizer_state",))


def activation_bytes_cover_every_layer(training_memory):
    """batch_size * sum(layer_sizes) values: the input and every layer's output."""
    _compare(training_memory, "activations", ("activations",))


def per_example_gradients_and_total(training_memory):
    """batch_size * P values only when per_example_grads; total is the sum of the rest."""
    _compare(training_memory, "per_example_gradients", ("per_example_gradients", "total"))


KEYS = ("parameters", "gradients", "optimizer_state", "activations", "per_example_gradients",
        "total")


def training_memory_follows_the_conventions(training_memory):
    """Every byte count an int (Python or numpy: 36, not 36.0), also for numpy-integer
    layer sizes, batch size and bytes per value; layer_sizes unchanged."""
    space = SPACES["training_memory"]
    search("q7.conventions", space.forms,
           lambda d: judge_memory(training_memory, d, KEYS, conventions=True), space.form_edges)


def rejects_unknown_optimizers(training_memory):
    """Optimizer names are exactly sgd, momentum, adam."""
    for name in ("rmsprop", "Adam", "SGD"):
        assert_raises(ValueError, f"optimizer={name!r}", training_memory, [4, 2], 8, name)


def matches_torch_tensors(training_memory):
    """Parameter and Adam-state bytes equal what torch allocates for the same MLP."""
    sizes = [20, 16, 8, 3]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(4, sizes[0])).sum().backward()
    opt.step()
    params = sum(p.nelement() * p.element_size() for p in model.parameters())
    state = sum(t.nelement() * t.element_size() for s in opt.state.values()
                for t in (s["exp_avg"], s["exp_avg_sq"]))
    got = training_memory(sizes, 4, "adam", 4)
    assert int(got["parameters"]) == params, "parameters differ from the torch model's bytes"
    assert int(got["optimizer_state"]) == state, "optimizer_state differs from torch Adam's"


def numeric_answers(megabytes_1, megabytes_2):
    """784-128-10 at 4 bytes: 1.22124 MB and 21.57524 MB, within 1 %."""
    for name, got, want in (("megabytes_1", megabytes_1, 1.22124),
                            ("megabytes_2", megabytes_2, 21.57524)):
        assert isinstance(got, (int, float, np.number)), f"{name} should be a number"
        assert abs(float(got) - want) <= 0.01 * want, f"{name} is off by more than 1 %"
