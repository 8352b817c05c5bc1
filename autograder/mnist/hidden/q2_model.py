"""Hidden checks of Q2, ``build_model``: judged by what runs, in the order it runs.

Any module structure passes (nn.Sequential, nested blocks, one ModuleList per kind of
layer, ReLU and dropout applied functionally in ``forward``, a leading nn.Flatten): the
checks read the Linear and BatchNorm1d parameters, build SPEC's network from them and
compare outputs in training mode (batch statistics) and evaluation mode (running
statistics). Registration order is read only for an nn.Sequential, where it is the order
that runs. Everything goes through calls and attributes (the model may be a handle).
"""
import torch
import torch.nn as nn

from autograder.mnist.hidden.modules import layer_names, leaf_layers

BLOCK = ["Linear", "BatchNorm1d", "ReLU", "Dropout"]
SHAPE_ONLY = ("Flatten", "Identity")   # layers that leave an (N, 784) batch as it is


def _expected(hidden):
    return BLOCK * len(hidden) + ["Linear"]


def _by_kind(model, kind):
    return [m for m, n in zip(leaf_layers(model), layer_names(model)) if n == kind]


def _chain(model, widths):
    """The Linear layers mapping widths[i] -> widths[i + 1] and the BatchNorm1d of every
    hidden width, in forward order (first registered first among equal shapes)."""
    linears, norms, order = _by_kind(model, "Linear"), _by_kind(model, "BatchNorm1d"), []
    for i, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        linear = next((m for m in linears if (m.in_features, m.out_features) == (n_in, n_out)), None)
        assert linear is not None, (
            f"no Linear layer maps {n_in} -> {n_out} (layer {i + 1} of {len(widths) - 1}); "
            f"Linear layers found: {[(m.in_features, m.out_features) for m in linears]}")
        linears.remove(linear)
        norm = None
        if i < len(widths) - 2:
            norm = next((m for m in norms if m.num_features == n_out), None)
            assert norm is not None, f"no BatchNorm1d({n_out}) after the Linear layer {n_in} -> {n_out}"
            norms.remove(norm)
        order.append((linear, norm))
    return order


def _spec_model(chain, p):
    """SPEC's network with the student's parameters: Linear -> BatchNorm1d -> ReLU -> Dropout(p)."""
    layers = []
    for linear, norm in chain:
        copy = nn.Linear(linear.in_features, linear.out_features)
        with torch.no_grad():
            copy.weight.copy_(torch.as_tensor(linear.weight).detach().cpu())
            copy.bias.copy_(torch.as_tensor(linear.bias).detach().cpu())
        layers.append(copy)
        if norm is not None:
            bn = nn.BatchNorm1d(norm.num_features, eps=norm.eps, momentum=norm.momentum)
            with torch.no_grad():
                bn.weight.copy_(torch.as_tensor(norm.weight).detach().cpu())
                bn.bias.copy_(torch.as_tensor(norm.bias).detach().cpu())
                bn.running_mean.copy_(torch.as_tensor(norm.running_mean).detach().cpu())
                bn.running_var.copy_(torch.as_tensor(norm.running_var).detach().cpu())
            layers += [bn, nn.ReLU(), nn.Dropout(p)]
    return nn.Sequential(*layers)


def _inputs(seed, n=128):
    return torch.randn(n, 784, generator=torch.Generator().manual_seed(seed)) * 2 + 0.5


def _compare(model, expected, what):
    x = _inputs(1)
    for mode in ("train", "eval"):   # eval after one training pass: running statistics moved
        getattr(model, mode)()
        expected.train(mode == "train")
        got = torch.as_tensor(model(x)).detach().cpu()
        want = expected(x).detach()
        assert got.shape == want.shape, f"{what}: model(x) for x of shape (128, 784) has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
        diff = (got - want).abs().max().item()
        assert diff < 1e-4, (
            f"{what}, in {mode} mode: the output differs from Linear -> BatchNorm1d -> ReLU -> "
            f"Dropout per hidden layer, then Linear, built from your own parameters (largest "
            f"difference {diff:.3g}); check the order in forward: batch norm between the linear "
            f"map and the activation, dropout after the activation")


def _dropout_rate(build_model, hparams, what):
    """Dropout modules carry p = hparams["dropout"]; functional dropout is judged by the
    spread it adds to training outputs, against torch's Dropout(p) on the same network."""
    model = build_model(hparams)
    dropouts = _by_kind(model, "Dropout")
    p = hparams["dropout"]
    if dropouts:
        rates = sorted({round(float(m.p), 12) for m in dropouts})
        assert rates == [p], f"{what}: Dropout rates {rates}, expected hparams['dropout'] = {p}"
        return
    expected = _spec_model(_chain(model, [784, *hparams["hidden"], 10]), p)
    x = _inputs(2, 256)
    spread = []
    for net in (model, expected):
        net.train()
        outs = torch.stack([torch.as_tensor(net(x)).detach().cpu() for _ in range(60)])
        spread.append(outs.var(0).mean().item())
    if p == 0:
        assert spread[0] < 1e-10, (
            f"{what}: with hparams['dropout'] = 0 training outputs should not vary between "
            f"calls (variance {spread[0]:.3g})")
        return
    ratio = spread[0] / spread[1]
    assert 0.7 <= ratio <= 1.4, (
        f"{what}: in training mode the outputs vary {ratio:.2f} times as much as with "
        f"dropout p = {p} after every ReLU (no Dropout module found; the rate must come from "
        f"hparams['dropout'])")


def _check_architecture(build_model, hparams):
    what = f"build_model({{'hidden': {hparams['hidden']}, 'dropout': {hparams['dropout']}, ...}})"
    model = build_model({**hparams, "dropout": 0.0})
    if model._get_name() == "Sequential":
        names = [n for n in layer_names(model) if n not in SHAPE_ONLY]
        expected = _expected(hparams["hidden"])
        assert names == expected, (
            f"{what}: an nn.Sequential runs its layers in order; they should be {expected} "
            f"(Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer, then Linear), got {names}")
    chain = _chain(model, [784, *hparams["hidden"], 10])
    _compare(model, _spec_model(chain, 0.0), what)
    _dropout_rate(build_model, hparams, what)


def layers_in_order(build_model):
    """Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer, then Linear(., 10)."""
    _check_architecture(build_model, {"hidden": [64, 32], "dropout": 0.3})


def sizes_and_rates_follow_hparams(build_model):
    """Other depths, widths and dropout rates: every size comes from hparams."""
    for hparams in ({"hidden": [17], "dropout": 0.0}, {"hidden": [40, 30, 20], "dropout": 0.5}):
        _check_architecture(build_model, {**hparams, "lr": 0.001, "batch_size": 32, "epochs": 1})


def outputs_logits(build_model):
    """The last layer is Linear: logits (any real values), not probabilities."""
    model = build_model({"hidden": [32], "dropout": 0.0})
    model.eval()
    out = torch.as_tensor(model(torch.randn(64, 784, generator=torch.Generator().manual_seed(3))))
    assert (out < 0).any(), "the model must return logits (cross_entropy applies log-softmax)"
