"""Hidden checks of Q2, ``build_model``: the architecture, read from the module itself."""
import torch

from autograder.mnist.hidden.modules import layer_names, leaf_layers

BLOCK = ["Linear", "BatchNorm1d", "ReLU", "Dropout"]


def _expected(hidden):
    return BLOCK * len(hidden) + ["Linear"]


def _check_architecture(build_model, hparams):
    model = build_model(hparams)
    names = layer_names(model)
    expected = _expected(hparams["hidden"])
    assert names == expected, (
        f"for {len(hparams['hidden'])} hidden layer(s) the layers should be {expected} "
        f"(Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer, then Linear), got {names}")
    layers = leaf_layers(model)
    widths = [784, *hparams["hidden"], 10]
    linears = [m for m, n in zip(layers, names) if n == "Linear"]
    for i, linear in enumerate(linears):
        got = (linear.in_features, linear.out_features)
        assert got == (widths[i], widths[i + 1]), (
            f"Linear layer {i + 1} should map {widths[i]} -> {widths[i + 1]}, got {got[0]} -> {got[1]}")
    for layer, name in zip(layers, names):
        if name == "Dropout":
            assert abs(layer.p - hparams["dropout"]) < 1e-12, (
                f"Dropout rate should be hparams['dropout'] = {hparams['dropout']}, got {layer.p}")
    return model


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
