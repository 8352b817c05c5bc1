"""Variants of ``build_model(hparams)`` (assignment 2, Q2)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


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


def _mlp(hparams, block, last=()):
    layers, width = [], 784
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


class _PerKind(nn.Module):
    """One ModuleList per kind of layer, applied interleaved in forward (a common style)."""

    def __init__(self, hparams, relu_first=False):
        super().__init__()
        sizes = [784, *hparams["hidden"]]
        self.linears = nn.ModuleList(nn.Linear(i, o) for i, o in zip(sizes, sizes[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(o) for o in sizes[1:])
        self.drops = nn.ModuleList(nn.Dropout(hparams["dropout"]) for _ in sizes[1:])
        self.out = nn.Linear(sizes[-1], 10)
        self.relu_first = relu_first

    def forward(self, x):
        for linear, norm, drop in zip(self.linears, self.norms, self.drops):
            x = drop(norm(torch.relu(linear(x)))) if self.relu_first else drop(torch.relu(norm(linear(x))))
        return self.out(x)


def correct_module_list_per_kind(hparams):
    return _PerKind(hparams)


def correct_functional_relu_and_dropout(hparams):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = hparams["dropout"]
            widths = [784] + list(hparams["hidden"])
            self.fcs = nn.ModuleList([nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
            self.bns = nn.ModuleList([nn.BatchNorm1d(b) for b in widths[1:]])
            self.head = nn.Linear(widths[-1], 10)

        def forward(self, x):
            for fc, bn in zip(self.fcs, self.bns):
                x = F.dropout(F.relu(bn(fc(x))), p=self.p, training=self.training)
            return self.head(x)

    return Net()


def correct_leading_flatten(hparams):
    layers, width = [nn.Flatten()], 784
    for size in hparams["hidden"]:
        layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU(),
                   nn.Dropout(p=hparams["dropout"])]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10))


def correct_ordered_dict(hparams):
    from collections import OrderedDict
    layers, width = OrderedDict(), 784
    for i, size in enumerate(hparams["hidden"]):
        layers[f"fc{i}"] = nn.Linear(width, size)
        layers[f"bn{i}"] = nn.BatchNorm1d(size)
        layers[f"relu{i}"] = nn.ReLU(inplace=True)
        layers[f"drop{i}"] = nn.Dropout(hparams["dropout"])
        width = size
    layers["out"] = nn.Linear(width, 10)
    return nn.Sequential(layers)


def wrong_module_list_batchnorm_after_relu(hparams):
    return _PerKind(hparams, relu_first=True)


def wrong_functional_dropout_in_eval_mode(hparams):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [784] + list(hparams["hidden"])
            self.fcs = nn.ModuleList([nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
            self.bns = nn.ModuleList([nn.BatchNorm1d(b) for b in widths[1:]])
            self.head = nn.Linear(widths[-1], 10)

        def forward(self, x):
            for fc, bn in zip(self.fcs, self.bns):
                x = F.dropout(F.relu(bn(fc(x))), p=hparams["dropout"])   # always training=True
            return self.head(x)

    return Net()


def wrong_functional_fixed_dropout(hparams):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [784] + list(hparams["hidden"])
            self.fcs = nn.ModuleList([nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
            self.bns = nn.ModuleList([nn.BatchNorm1d(b) for b in widths[1:]])
            self.head = nn.Linear(widths[-1], 10)

        def forward(self, x):
            for fc, bn in zip(self.fcs, self.bns):
                x = F.dropout(F.relu(bn(fc(x))), p=0.5, training=self.training)
            return self.head(x)

    return Net()


def wrong_log_softmax_output(hparams):
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU(), nn.Dropout(p)],
                last=(nn.LogSoftmax(dim=1),))


def wrong_dropout_before_batchnorm(hparams):
    return _mlp(hparams, lambda i, o, p: [nn.Linear(i, o), nn.Dropout(p), nn.BatchNorm1d(o), nn.ReLU()])


def wrong_last_hidden_width_only(hparams):
    return _mlp({**hparams, "hidden": hparams["hidden"][:1]},
                lambda i, o, p: [nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU(), nn.Dropout(p)])


def wrong_no_output_layer(hparams):
    """Stops after the last hidden block: no Linear(., 10), the output has the last width."""
    layers, width = [], 784
    for size in hparams["hidden"]:
        layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU(), nn.Dropout(hparams["dropout"])]
        width = size
    return nn.Sequential(*layers)


# ----------------------------------------------------------------- batch norm's settings
def _block(norm, p_of=lambda hparams: hparams["dropout"]):
    """build_model with ``norm(width)`` as each hidden layer's batch norm."""
    def build(hparams):
        layers, width = [], 784
        for size in hparams["hidden"]:
            layers += [nn.Linear(width, size), norm(size), nn.ReLU(), nn.Dropout(p_of(hparams))]
            width = size
        return nn.Sequential(*layers, nn.Linear(width, 10))
    return build


def wrong_keras_momentum(hparams):
    """Keras' BatchNormalization(momentum=0.99) carried over: PyTorch's momentum is the
    weight of the new batch."""
    return _block(lambda size: nn.BatchNorm1d(size, momentum=0.99))(hparams)


def wrong_cumulative_running_average(hparams):
    return _block(lambda size: nn.BatchNorm1d(size, momentum=None))(hparams)


def wrong_no_running_statistics(hparams):
    return _block(lambda size: nn.BatchNorm1d(size, track_running_stats=False))(hparams)


def wrong_no_learnable_scale_and_shift(hparams):
    return _block(lambda size: nn.BatchNorm1d(size, affine=False))(hparams)


def wrong_larger_eps(hparams):
    return _block(lambda size: nn.BatchNorm1d(size, eps=1e-3))(hparams)


def correct_explicit_defaults(hparams):
    return _block(lambda size: nn.BatchNorm1d(size, eps=1e-5, momentum=0.1, affine=True,
                                              track_running_stats=True))(hparams)


# ----------------------------------------------------------------- one module per layer
def wrong_one_batchnorm_per_width(hparams):
    """Caches layers by width: two hidden layers of one width share a batch norm."""
    norms, layers, width = {}, [], 784
    for size in hparams["hidden"]:
        norm = norms.setdefault(size, nn.BatchNorm1d(size))
        layers += [nn.Linear(width, size), norm, nn.ReLU(), nn.Dropout(hparams["dropout"])]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10))


def wrong_repeated_block(hparams):
    """The block after the first one built once and repeated with ``*``: the repeats share
    their modules (and assume one width)."""
    first, p = hparams["hidden"][0], hparams["dropout"]
    head = [nn.Linear(784, first), nn.BatchNorm1d(first), nn.ReLU(), nn.Dropout(p)]
    block = [nn.Linear(first, first), nn.BatchNorm1d(first), nn.ReLU(), nn.Dropout(p)]
    return nn.Sequential(*head, *block * (len(hparams["hidden"]) - 1), nn.Linear(first, 10))


def wrong_forward_reuses_the_first_norm(hparams):
    """Registers a batch norm per layer but applies the first one to every layer of its
    width."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [784, *hparams["hidden"]]
            self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
            self.bns = nn.ModuleList(nn.BatchNorm1d(b) for b in widths[1:])
            self.out = nn.Linear(widths[-1], 10)

        def forward(self, x):
            for fc, bn in zip(self.fcs, self.bns):
                first = next(b for b in self.bns if b.num_features == bn.num_features)
                x = F.dropout(F.relu(first(fc(x))), hparams["dropout"], self.training)
            return self.out(x)

    return Net()


def correct_module_dict_per_layer(hparams):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [784, *hparams["hidden"]]
            self.blocks = nn.ModuleList(
                nn.ModuleDict({"fc": nn.Linear(a, b), "bn": nn.BatchNorm1d(b),
                               "drop": nn.Dropout(hparams["dropout"])})
                for a, b in zip(widths, widths[1:]))
            self.head = nn.Linear(widths[-1], 10)

        def forward(self, x):
            for block in self.blocks:
                x = block["drop"](F.relu(block["bn"](block["fc"](x)), inplace=True))
            return self.head(x)

    return Net()


def correct_add_module_names(hparams):
    model, width = nn.Sequential(), 784
    for i, size in enumerate(hparams["hidden"], start=1):
        model.add_module(f"linear{i}", nn.Linear(width, size))
        model.add_module(f"norm{i}", nn.BatchNorm1d(size))
        model.add_module(f"relu{i}", nn.ReLU())
        model.add_module(f"dropout{i}", nn.Dropout(hparams["dropout"]))
        width = size
    model.add_module("logits", nn.Linear(width, 10))
    return model


def correct_bias_free_hidden_linears(hparams):
    """Batch norm subtracts the mean right after: a hidden Linear's bias changes nothing."""
    layers, width = [], 784
    for size in hparams["hidden"]:
        layers += [nn.Linear(width, size, bias=False), nn.BatchNorm1d(size), nn.ReLU(),
                   nn.Dropout(hparams["dropout"])]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10))


# ----------------------------------------------------------------- evaluation mode, outputs
def wrong_batch_statistics_in_evaluation(hparams):
    """Calls F.batch_norm with training=True whatever the mode."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [784, *hparams["hidden"]]
            self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
            self.bns = nn.ModuleList(nn.BatchNorm1d(b) for b in widths[1:])
            self.out = nn.Linear(widths[-1], 10)

        def forward(self, x):
            for fc, bn in zip(self.fcs, self.bns):
                x = F.batch_norm(fc(x), bn.running_mean, bn.running_var, bn.weight, bn.bias,
                                 training=True)
                x = F.dropout(F.relu(x), hparams["dropout"], self.training)
            return self.out(x)

    return Net()


def wrong_relu_on_the_logits(hparams):
    return nn.Sequential(_block(nn.BatchNorm1d)(hparams), nn.ReLU())


def wrong_dropout_on_the_input_too(hparams):
    return nn.Sequential(nn.Dropout(hparams["dropout"]), _block(nn.BatchNorm1d)(hparams))
