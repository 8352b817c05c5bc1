"""Hidden checks of Q7, ``training_memory``, against the formulas and a real torch MLP."""
import numpy as np
import torch

from autograder.optimization.public import assert_raises

NETS = ([784, 128, 10], [3, 17, 5, 2], [10, 64, 64, 64, 4])
STATE_COPIES = {"sgd": 0, "momentum": 1, "adam": 2}


def expected_bytes(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                   per_example_grads=False):
    """SPEC Q7 written out: P = sum(n_{i-1} n_i + n_i) values, state copies of P,
    activations batch_size * sum(layer_sizes), per-example gradients batch_size * P."""
    P = sum(a * b + b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    want = {"parameters": P * bytes_per_value, "gradients": P * bytes_per_value,
            "optimizer_state": STATE_COPIES[optimizer] * P * bytes_per_value,
            "activations": batch_size * sum(layer_sizes) * bytes_per_value,
            "per_example_gradients": batch_size * P * bytes_per_value if per_example_grads else 0}
    want["total"] = sum(want.values())
    return want


def _compare(training_memory, keys, **settings):
    for sizes in NETS:
        for batch_size in (1, 32):
            got = training_memory(sizes, batch_size, **settings)
            want = expected_bytes(sizes, batch_size, **settings)
            wrong = [k for k in keys if int(got[k]) != want[k]]
            assert not wrong, f"wrong {', '.join(wrong)} (with {', '.join(settings) or 'defaults'})"


def parameters_and_gradients(training_memory):
    """P = sum(n_{i-1} n_i + n_i) values, weights AND biases, times bytes_per_value."""
    for bytes_per_value in (4, 8, 2):
        _compare(training_memory, ("parameters", "gradients"), bytes_per_value=bytes_per_value)


def optimizer_state_copies(training_memory):
    """0, 1 or 2 copies of the parameters for sgd, momentum, adam."""
    for optimizer in ("sgd", "momentum", "adam"):
        _compare(training_memory, ("optimizer_state",), optimizer=optimizer)


def activation_bytes_cover_every_layer(training_memory):
    """batch_size * sum(layer_sizes) values: the input and every layer's output."""
    _compare(training_memory, ("activations",), bytes_per_value=8)


def per_example_gradients_and_total(training_memory):
    """batch_size * P values only when per_example_grads; total is the sum of the rest."""
    for flag in (False, True):
        _compare(training_memory, ("per_example_gradients", "total"), optimizer="adam",
                 per_example_grads=flag)


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
