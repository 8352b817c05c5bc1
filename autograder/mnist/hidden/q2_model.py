"""Hidden checks of Q2, ``build_model``: judged by what runs, in the order it runs.

The checks read the student's Linear and BatchNorm1d layers among its modules by kind and
shape, rebuild SPEC's forward pass from their parameters (Linear -> BatchNorm1d -> ReLU ->
Dropout per hidden layer, then Linear) and compare the student's outputs with it: any
registration order, functional ReLU/dropout, a leading Flatten, nn.Sequential or a custom
nn.Module all pass. (Dropout before or after ReLU computes the same function; only an
nn.Sequential shows which way round it is, so only there it is judged.)

The hyperparameters are drawn per submission from the contract's space
(``autograder.cases.drawn``): one to three hidden layers of 8 to 64 units (in a third of
the draws all of one width, so that each layer must be its own module), dropout rates in
[0.1, 0.6], batches of 16 to 256 samples; messages quote the hparams drawn.
"""
import torch

from autograder.cases import drawn
from autograder.compare import describe
from autograder.mnist.hidden.modules import (
    NORM_DEFAULTS, is_sequential, layer_names, names_the_call, norm_settings_problems, outputs,
    read_mlp)

PASSIVE = {"Flatten", "Identity"}   # layers that change nothing on (N, 784) inputs
MOMENTUM = NORM_DEFAULTS["momentum"]


def _inputs(n, seed):
    return torch.randn(n, 784, generator=torch.Generator().manual_seed(seed))


def _drawn_inputs(rng, low=16, high=256):
    return _inputs(int(rng.integers(low, high + 1)), int(rng.integers(2**31)))


def _hidden(rng, depths=(1, 2, 3)) -> list[int]:
    """Hidden widths: 1 to 3 layers of 8 to 64 units (never 10, the output's width); in a
    third of the draws of several layers, all of one width."""
    depth = int(rng.choice(depths))
    widths = [int(w) for w in rng.choice([w for w in range(8, 65) if w != 10], depth)]
    return [widths[0]] * depth if depth > 1 and rng.random() < 1 / 3 else widths


def _call(hparams):
    return f"build_model({hparams!r})"


def _largest(got, want):
    err = (got - want).abs()
    flat = int(err.argmax())
    return f"largest difference {err.max():.3g} at sample {flat // want.shape[1]}, logit {flat % want.shape[1]}"


def _compare(got, mlp, X, training, call, mode, hidden):
    """Assert ``got`` (the student's outputs) equal SPEC's; name the mistake when it is a
    known one, else say how they differ (autograder.compare) where a simple relation holds."""
    want = mlp.forward(X, training)
    assert tuple(got.shape) == tuple(want.shape), (
        f"{call}: model(X) for X of shape {tuple(X.shape)} gave shape {tuple(got.shape)}, expected {tuple(want.shape)}")
    if torch.allclose(got, want, rtol=1e-3, atol=1e-4):
        return
    known = {
        "Linear -> ReLU -> BatchNorm1d (batch norm after the activation; it goes between the "
        "linear map and ReLU)": mlp.forward(X, training, relu_first=True),
        "softmax probabilities (return the logits of the last Linear; F.cross_entropy applies "
        "log-softmax)": torch.softmax(want, 1),
        "log-softmax (return the logits of the last Linear; F.cross_entropy applies log-softmax "
        "itself)": torch.log_softmax(want, 1),
    }
    for mistake, values in known.items():
        assert not torch.allclose(got, values, rtol=1e-3, atol=1e-4), f"{call}, {mode}: the outputs are {mistake}"
    settings = norm_settings_problems(mlp, hidden)
    how = describe(got, want, rtol=1e-3)
    raise AssertionError(
        f"{call}, {mode}: the outputs differ from Linear -> BatchNorm1d -> ReLU -> Dropout per "
        f"hidden layer, then Linear, computed from the model's own parameters ("
        + (f"they are {how}" if how else _largest(got, want)) + ")"
        + (f"; {'; '.join(settings)}" if settings else ""))


def _repeatable(model, X, call, mode, why):
    """model(X) twice: the same outputs (nothing random is left on)."""
    first, second = outputs(model, X), outputs(model, X)
    assert torch.equal(first, second), f"{call}, {mode}: two calls model(X) gave different outputs; {why}"
    return first


def _dropout_follows_relu(model, call):
    if not is_sequential(model):
        return
    names = [n for n in layer_names(model) if n not in PASSIVE]
    for i, name in enumerate(names):
        if name == "Dropout":
            assert i > 0 and names[i - 1] == "ReLU", (
                f"{call}: in your nn.Sequential a Dropout follows {names[i - 1] if i else 'nothing'}; "
                f"dropout thins the activations and goes right after ReLU (layers: {names})")


def _training_outputs_match(build_model, hparams, X):
    """Training-mode outputs equal SPEC's, and each batch norm learns a scale and shift
    and has BatchNorm1d's eps (which the outputs show only within rounding)."""
    call = _call(hparams)
    model = build_model(hparams)
    mlp = read_mlp(model, hparams["hidden"], call)
    model.train()
    got = _repeatable(model, X, call, "training mode",
                      "with hparams['dropout'] = 0 nothing is dropped")
    _compare(got, mlp, X, True, call, "training mode", hparams["hidden"])
    settings = [s for s in norm_settings_problems(mlp, hparams["hidden"])
                if "affine" in s or "eps" in s]
    assert not settings, f"{call}: {'; '.join(settings)}: use nn.BatchNorm1d(width)"


@names_the_call
def layers_in_order(build_model):
    """Training mode, dropout 0: the outputs are Linear -> BatchNorm1d (batch statistics)
    -> ReLU per hidden layer, then Linear; in an nn.Sequential Dropout follows ReLU."""
    rng = drawn("q2.layers_in_order")
    hparams = {"hidden": _hidden(rng), "dropout": 0.0}
    _training_outputs_match(build_model, hparams, _drawn_inputs(rng))
    with_dropout = {**hparams, "dropout": round(float(rng.uniform(0.1, 0.6)), 3)}
    _dropout_follows_relu(build_model(with_dropout), _call(with_dropout))


def _observed_dropout(model, mlp, X):
    """The dropout rate p seen in one training-mode call: each output deviates from its
    no-dropout value by sum_j W_kj h_j (m_j / (1 - p) - 1), of variance
    p / (1 - p) * sum_j W_kj^2 h_j^2."""
    h = mlp.hidden(X)
    W, b = mlp.linears[-1]
    residual = outputs(model, X) - (h @ W.T + b)
    odds = float((residual ** 2).sum() / ((h ** 2) @ (W ** 2).T).sum())
    return odds / (1 + odds)


@names_the_call
def sizes_and_rates_follow_hparams(build_model):
    """Other depths and widths (Linear layers 784 -> hidden... -> 10; one hidden layer,
    three, and two of one width, each layer its own module and applied in turn), and the
    dropout rate observed in training mode is hparams["dropout"] (0 gives repeatable
    outputs)."""
    rng = drawn("q2.sizes_and_rates_follow_hparams")
    for hidden in (_hidden(rng, (1,)), _hidden(rng, (3,))):
        hparams = {"hidden": hidden, "dropout": 0.0, "lr": 0.001, "batch_size": 32, "epochs": 1}
        read_mlp(build_model(hparams), hidden, _call(hparams))
    width = int(rng.integers(8, 65))
    _training_outputs_match(build_model, {"hidden": [width, width], "dropout": 0.0},
                            _drawn_inputs(rng))
    for p in (0.0, round(float(rng.uniform(0.2, 0.5)), 3)):
        hparams = {"hidden": [256], "dropout": p}
        call = _call(hparams)
        model = build_model(hparams)
        mlp = read_mlp(model, hparams["hidden"], call)
        model.train()
        X = _inputs(1024, 2)
        if p == 0.0:
            _repeatable(model, X, call, "training mode", "with hparams['dropout'] = 0 nothing is dropped")
            continue
        observed = _observed_dropout(model, mlp, X)
        assert abs(observed - p) < 0.05, (
            f"{call}: in training mode the outputs vary as with a dropout rate of about "
            f"{observed:.2f}, expected hparams['dropout'] = {p} (nn.Dropout(hparams['dropout']) "
            "after each ReLU)")


@names_the_call
def outputs_logits(build_model):
    """Evaluation mode: no dropout (repeatable outputs), batch norm with its running
    statistics, and logits of the last Linear (not probabilities)."""
    rng = drawn("q2.outputs_logits")
    hparams = {"hidden": _hidden(rng, (2, 3)), "dropout": round(float(rng.uniform(0.1, 0.6)), 3)}
    call = _call(hparams)
    model = build_model(hparams)
    model.train()
    for _ in range(2):   # moves the running statistics away from their initial values
        outputs(model, _drawn_inputs(rng, 64, 128))
    model.eval()
    X = _drawn_inputs(rng)
    got = _repeatable(model, X, call, "evaluation mode (after model.eval())",
                      "dropout must be off in evaluation mode (nn.Dropout, or "
                      "F.dropout(x, p, training=self.training))")
    mlp = read_mlp(model, hparams["hidden"], call)
    untracked = [s for s in norm_settings_problems(mlp, hparams["hidden"]) if "running" in s]
    assert not untracked, f"{call}: {untracked[0]} (nn.BatchNorm1d(width) keeps them)"
    _compare(got, mlp, X, False, call, "evaluation mode", hparams["hidden"])


# ----------------------------------------------------------------------------- statistics
def _running(mlp, batches, momentum, unbiased=True):
    """Each hidden batch norm's (running_mean, running_var) after training-mode passes over
    ``batches``, from its state in ``mlp``: running = (1 - m) running + m statistic, with
    m = 1 / (pass number) for momentum None (a cumulative average)."""
    stats = [(bn["running_mean"], bn["running_var"]) for bn in mlp.norms]
    for k, X in enumerate(batches, start=1):
        m = 1.0 / k if momentum is None else momentum
        stats = [((1 - m) * mean + m * h.mean(0), (1 - m) * var + m * h.var(0, unbiased=unbiased))
                 for (mean, var), h in zip(stats, mlp.pre_activations(X))]
    return stats


RUNNING_MISTAKES = {
    "momentum 0.99 (Keras' convention; PyTorch's momentum is the weight of the new batch: "
    "0.1)": {"momentum": 0.99},
    "momentum 0.9 (PyTorch's momentum is the weight of the new batch: 0.1)": {"momentum": 0.9},
    "a cumulative average (momentum=None)": {"momentum": None},
    "the biased batch variance (PyTorch's running_var uses the unbiased one)": {"unbiased": False},
    "no update at all": {"momentum": 0.0},
}


def _close(stats, expected) -> bool:
    return all(torch.allclose(got, want, rtol=1e-4, atol=1e-5 * (1 + float(want.abs().max())))
               for pair, pairs in zip(stats, expected) for got, want in zip(pair, pairs))


@names_the_call
def batch_norm_keeps_running_statistics(build_model):
    """Training-mode passes update each BatchNorm1d's running statistics as nn.BatchNorm1d
    does by default: running = 0.9 * running + 0.1 * the batch's mean, and its unbiased
    variance for running_var (read from the model's state after two passes). The first
    two hidden layers have one width, so that each must keep its own statistics."""
    rng = drawn("q2.batch_norm_keeps_running_statistics")
    # two layers of one width first: each must update its own statistics
    hparams = {"hidden": _hidden(rng, (1,)) * 2 + _hidden(rng, (0, 1)), "dropout": 0.0}
    call = _call(hparams)
    model = build_model(hparams)
    mlp = read_mlp(model, hparams["hidden"], call)
    untracked = [s for s in norm_settings_problems(mlp, hparams["hidden"]) if "running" in s]
    assert not untracked, f"{call}: {untracked[0]} (nn.BatchNorm1d(width) keeps them)"
    batches = [_drawn_inputs(rng, 16, 128) for _ in range(2)]
    model.train()
    for X in batches:
        outputs(model, X)
    after = read_mlp(model, hparams["hidden"], call)
    stats = [(bn["running_mean"], bn["running_var"]) for bn in after.norms]
    if _close(stats, _running(mlp, batches, MOMENTUM)):
        return
    named = [what for what, knobs in RUNNING_MISTAKES.items()
             if _close(stats, _running(mlp, batches, **{"momentum": MOMENTUM, **knobs}))]
    expected = _running(mlp, batches, MOMENTUM)
    how = describe(stats[0][0], expected[0][0], rtol=1e-4)
    raise AssertionError(
        f"{call}: after two training-mode passes (batches of {len(batches[0])} and "
        f"{len(batches[1])} samples) the running statistics differ from nn.BatchNorm1d's "
        f"(running = 0.9 * running + 0.1 * batch statistic, unbiased variance)"
        + (f": they follow {named[0]}" if named else
           f": the first layer's running_mean is {how}" if how else ""))
