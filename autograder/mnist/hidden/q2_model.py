"""Hidden checks of Q2, ``build_model``: judged by what runs, in the order it runs.

The checks read the student's Linear and BatchNorm1d parameters by shape, rebuild SPEC's
forward pass from them (Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer, then
Linear) and compare the student's outputs with it: any registration order, functional
ReLU/dropout, a leading Flatten, nn.Sequential or a custom nn.Module all pass.
(Dropout before or after ReLU computes the same function; only an nn.Sequential shows
which way round it is, so only there it is judged.)
"""
import torch

from autograder.mnist.hidden.modules import names_the_call, is_sequential, layer_names, outputs, read_mlp

PASSIVE = {"Flatten", "Identity"}   # layers that change nothing on (N, 784) inputs


def _inputs(n, seed):
    return torch.randn(n, 784, generator=torch.Generator().manual_seed(seed))


def _call(hparams):
    return f"build_model({hparams!r})"


def _largest(got, want):
    err = (got - want).abs()
    flat = int(err.argmax())
    return f"largest difference {err.max():.3g} at sample {flat // want.shape[1]}, logit {flat % want.shape[1]}"


def _compare(got, mlp, X, training, call, mode):
    """Assert ``got`` (the student's outputs) equal SPEC's; name the mistake when it is a
    known one."""
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
    raise AssertionError(
        f"{call}, {mode}: the outputs differ from Linear -> BatchNorm1d -> ReLU -> Dropout per "
        f"hidden layer, then Linear, computed from the model's own parameters ({_largest(got, want)})")


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


@names_the_call
def layers_in_order(build_model):
    """Training mode, dropout 0: the outputs are Linear -> BatchNorm1d (batch statistics)
    -> ReLU per hidden layer, then Linear; in an nn.Sequential Dropout follows ReLU."""
    hparams = {"hidden": [48, 24], "dropout": 0.0}
    call = _call(hparams)
    model = build_model(hparams)
    mlp = read_mlp(model, hparams["hidden"], call)
    model.train()
    X = _inputs(256, 1)
    got = _repeatable(model, X, call, "training mode",
                      "with hparams['dropout'] = 0 nothing is dropped")
    _compare(got, mlp, X, True, call, "training mode")
    _dropout_follows_relu(build_model({"hidden": [48, 24], "dropout": 0.3}), _call({**hparams, "dropout": 0.3}))


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
    """Other depths and widths (Linear layers 784 -> hidden... -> 10), and the dropout rate
    observed in training mode is hparams["dropout"] (0 gives repeatable outputs)."""
    for hidden in ([17], [40, 30, 20]):
        hparams = {"hidden": hidden, "dropout": 0.0, "lr": 0.001, "batch_size": 32, "epochs": 1}
        read_mlp(build_model(hparams), hidden, _call(hparams))
    for p in (0.0, 0.5, 0.2):
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
    hparams = {"hidden": [40, 30, 20], "dropout": 0.5}
    call = _call(hparams)
    model = build_model(hparams)
    model.train()
    for seed in (3, 4):   # moves the running statistics away from their initial values
        outputs(model, _inputs(128, seed))
    model.eval()
    X = _inputs(64, 5)
    got = _repeatable(model, X, call, "evaluation mode (after model.eval())",
                      "dropout must be off in evaluation mode (nn.Dropout, or "
                      "F.dropout(x, p, training=self.training))")
    _compare(got, read_mlp(model, hparams["hidden"], call), X, False, call, "evaluation mode")
