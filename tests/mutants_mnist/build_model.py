"""Variants of ``build_model(hparams)`` (assignment 2, Q2)."""
import torch.nn as nn


def correct_nested_blocks(hparams):
    blocks, width = [], 784
    for size in hparams["hidden"]:
        blocks.append(nn.Sequential(nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU(),
                                    nn.Dropout(hparams["dropout"])))
        width = size
    return nn.Sequential(*blocks, nn.Linear(width, 10))


def correct_custom_module(hparams):
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            sizes = [784, *hparams["hidden"]]
            self.layers = nn.ModuleList()
            for n_in, n_out in zip(sizes, sizes[1:]):
                self.layers.extend([nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU(),
                                    nn.Dropout(p=hparams["dropout"])])
            self.out = nn.Linear(sizes[-1], 10)

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.out(x)

    return MLP()


def _mlp(hparams, block, last=(), first=()):
    layers, width = list(first), 784
    for size in hparams["hidden"]:
        layers += block(width, size, hparams["dropout"])
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10), *last)


def wrong_batchnorm_after_relu(hparams):
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.ReLU(), nn.BatchNorm1d(o), nn.Dropout(p)])


def wrong_dropout_before_relu(hparams):
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.BatchNorm1d(o), nn.Dropout(p), nn.ReLU()])


def wrong_no_batchnorm(hparams):
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.ReLU(), nn.Dropout(p)])


def wrong_layernorm(hparams):
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.LayerNorm(o), nn.ReLU(), nn.Dropout(p)])


def wrong_softmax_output(hparams):
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU(), nn.Dropout(p)],
                last=(nn.Softmax(dim=1),))


def wrong_fixed_width(hparams):
    return _mlp({**hparams, "hidden": [128] * len(hparams["hidden"])},
                lambda i, o, p: [nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU(), nn.Dropout(p)])


def wrong_fixed_dropout(hparams):
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU(), nn.Dropout(0.5)])


def wrong_no_output_layer(hparams):
    """Stops after the last hidden block: no Linear(., 10), the output has the last width."""
    layers, width = [], 784
    for size in hparams["hidden"]:
        layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU(), nn.Dropout(hparams["dropout"])]
        width = size
    return nn.Sequential(*layers)


def correct_module_list_per_kind(hparams):
    """One ModuleList per kind of layer, applied in SPEC's order in forward."""
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            sizes = [784, *hparams["hidden"]]
            self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
            self.norms = nn.ModuleList(nn.BatchNorm1d(b) for b in sizes[1:])
            self.drops = nn.ModuleList(nn.Dropout(hparams["dropout"]) for _ in sizes[1:])
            self.relu = nn.ReLU()
            self.head = nn.Linear(sizes[-1], 10)

        def forward(self, x):
            for linear, norm, drop in zip(self.linears, self.norms, self.drops):
                x = drop(self.relu(norm(linear(x))))
            return self.head(x)

    return MLP()


def correct_functional_relu_and_dropout(hparams):
    """Linear and BatchNorm1d modules; F.relu and F.dropout(training=self.training) in forward."""
    import torch.nn.functional as F

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            sizes = [784, *hparams["hidden"]]
            self.hidden = nn.ModuleList(nn.Sequential(nn.Linear(a, b), nn.BatchNorm1d(b))
                                        for a, b in zip(sizes, sizes[1:]))
            self.out = nn.Linear(sizes[-1], 10)

        def forward(self, x):
            for block in self.hidden:
                x = F.dropout(F.relu(block(x)), hparams["dropout"], training=self.training)
            return self.out(x)

    return MLP()


def correct_leading_flatten(hparams):
    """nn.Flatten() first, so that (N, 1, 28, 28) images work too."""
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU(), nn.Dropout(p)],
                first=(nn.Flatten(),))


def wrong_functional_dropout_fixed_rate(hparams):
    """F.dropout with a hard-coded 0.5 instead of hparams["dropout"]."""
    import torch.nn.functional as F

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            sizes = [784, *hparams["hidden"]]
            self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
            self.norms = nn.ModuleList(nn.BatchNorm1d(b) for b in sizes[1:])
            self.head = nn.Linear(sizes[-1], 10)

        def forward(self, x):
            for linear, norm in zip(self.linears, self.norms):
                x = F.dropout(F.relu(norm(linear(x))), 0.5, training=self.training)
            return self.head(x)

    return MLP()


def wrong_module_list_batchnorm_after_relu(hparams):
    """ModuleLists per kind, but forward applies batch norm after the activation."""
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            sizes = [784, *hparams["hidden"]]
            self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
            self.norms = nn.ModuleList(nn.BatchNorm1d(b) for b in sizes[1:])
            self.drops = nn.ModuleList(nn.Dropout(hparams["dropout"]) for _ in sizes[1:])
            self.head = nn.Linear(sizes[-1], 10)

        def forward(self, x):
            for linear, norm, drop in zip(self.linears, self.norms, self.drops):
                x = drop(norm(linear(x).relu()))
            return self.head(x)

    return MLP()
