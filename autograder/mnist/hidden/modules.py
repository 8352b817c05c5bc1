"""Reading a student's nn.Module through calls only (it may be a handle in the sealed
grader): its leaf layers, its parameters and buffers as plain tensors, and SPEC's MLP
rebuilt from them, so that checks judge what runs rather than how modules are registered."""
import functools
import inspect
from dataclasses import dataclass

import torch

EPS = 1e-5   # BatchNorm1d's default eps


def _leaves(model) -> list[tuple[str, object, bool]]:
    """(name, module, has no children) for every module, in registration order."""
    named = list(model.named_modules())
    names = [name for name, _ in named]
    return [(name, module, not any(other.startswith(f"{name}.") or (name == "" and other)
                                   for other in names)) for name, module in named]


def leaf_layers(model) -> list:
    """The modules without children, in registration order (forward order of a Sequential)."""
    return [module for _, module, leaf in _leaves(model) if leaf]


def layer_names(model) -> list[str]:
    """Class names of the leaf layers, e.g. ["Linear", "BatchNorm1d", "ReLU", ...]."""
    return [module._get_name() for module in leaf_layers(model)]


def is_sequential(model) -> bool:
    """Every container is an nn.Sequential: the leaf order is the forward order."""
    return all(leaf or module._get_name() == "Sequential" for _, module, leaf in _leaves(model))


def parameters(model) -> dict[str, torch.Tensor]:
    """Detached CPU copies of every parameter, by name."""
    return {name: torch.as_tensor(p).detach().cpu().clone() for name, p in model.named_parameters()}


def state(model) -> dict[str, torch.Tensor]:
    """Detached CPU copies of the parameters and buffers (``state_dict``), by name."""
    return {name: torch.as_tensor(v).detach().cpu().clone() for name, v in model.state_dict().items()}


def outputs(model, X) -> torch.Tensor:
    """model(X) as a detached CPU tensor."""
    with torch.no_grad():
        return torch.as_tensor(model(X)).detach().cpu()


@dataclass
class MLP:
    """SPEC's MLP read from a student's state: ``linears[i] = (W (out, in), b (out,))`` in
    forward order 784 -> hidden... -> 10, ``norms[i]`` the BatchNorm1d state of hidden layer i
    (weight, bias, running_mean, running_var)."""
    linears: list
    norms: list

    def forward(self, X, training, relu_first=False):
        """Linear -> BatchNorm1d -> ReLU per hidden layer, then Linear (dropout off).
        training: batch statistics (biased variance), else the running ones.
        relu_first: Linear -> ReLU -> BatchNorm1d instead (a diagnosis, not SPEC)."""
        h = X
        for (W, b), bn in zip(self.linears, self.norms):
            h = h @ W.T + b
            h = torch.relu(h) if relu_first else h
            mean, var = ((h.mean(0), h.var(0, unbiased=False)) if training
                         else (bn["running_mean"], bn["running_var"]))
            h = (h - mean) / torch.sqrt(var + EPS) * bn["weight"] + bn["bias"]
            h = h if relu_first else torch.relu(h)
        W, b = self.linears[-1]
        return h @ W.T + b

    def hidden(self, X):
        """The training-mode activations fed to the last Linear (dropout off), (N, H)."""
        h = X
        for (W, b), bn in zip(self.linears, self.norms):
            h = h @ W.T + b
            h = torch.relu((h - h.mean(0)) / torch.sqrt(h.var(0, unbiased=False) + EPS)
                           * bn["weight"] + bn["bias"])
        return h


def layer_states(named: dict) -> tuple[list[dict], list[dict]]:
    """The Linear and BatchNorm1d layers in a state dict (name -> tensor), each as
    {"weight": ..., "bias": ..., ...}, in state order: a module (name prefix) holding
    ``running_mean`` is a batch norm, one holding a 2-D ``weight`` a linear map; other
    layers (Flatten, ReLU, Dropout) hold no state."""
    modules: dict[str, dict] = {}
    for name, tensor in named.items():
        prefix, _, leaf = name.rpartition(".")
        modules.setdefault(prefix, {})[leaf] = tensor
    linears = [m for m in modules.values() if "running_mean" not in m
               and m.get("weight") is not None and m["weight"].dim() == 2]
    norms = [m for m in modules.values() if "running_mean" in m]
    return linears, norms


def read_mlp(model, hidden, call) -> MLP:
    """The Linear and BatchNorm1d layers of ``model`` for hidden widths ``hidden`` (all
    different), found by shape in its state (any registration order). Raises
    AssertionError naming ``call`` when a layer is missing."""
    linears, norms = layer_states(state(model))
    norms = {g["running_mean"].numel(): g for g in norms}
    linears = {tuple(g["weight"].shape): g for g in linears}
    widths = [784, *hidden, 10]
    found = ", ".join(f"{n_in} -> {n_out}" for n_out, n_in in linears) or "none"
    chain = []
    for n_in, n_out in zip(widths, widths[1:]):
        layer = linears.get((n_out, n_in))
        assert layer is not None, (
            f"{call}: expected Linear layers {' -> '.join(map(str, widths))}; no Linear maps "
            f"{n_in} -> {n_out} (found Linear layers {found})")
        chain.append((layer["weight"], layer.get("bias", torch.zeros(n_out))))
    for size in hidden:
        assert size in norms, (
            f"{call}: no BatchNorm1d({size}) after Linear(., {size}) (found batch norm of widths "
            f"{sorted(norms) or 'none'}); every hidden layer is Linear -> BatchNorm1d -> ReLU -> Dropout")
    return MLP(chain, [norms[size] for size in hidden])


def _shown(value) -> str:
    """An argument as a message shows it: small plain values as written, tensors by shape
    (hidden inputs are never quoted), anything else by its role."""
    if isinstance(value, (str, int, float, bool, dict, list, tuple)) or value is None:
        return repr(value)
    if isinstance(value, torch.Tensor):
        return f"<tensor {tuple(value.shape)}>"
    return "rng" if hasattr(value, "integers") else "model"


def names_the_call(check):
    """Decorator: exceptions raised by the student functions a check is given become
    AssertionErrors naming the call, e.g. "fit(model, <tensor (64, 784)>, <tensor (64,)>,
    {'lr': 0.001, ...}, 'cpu') raised RuntimeError: ..."."""
    def reporting(function, name):
        def call(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception as e:
                shown = ", ".join([*map(_shown, args), *(f"{k}={_shown(v)}" for k, v in kwargs.items())])
                raise AssertionError(f"{name}({shown}) raised {type(e).__name__}: {e}") from None
        return call

    @functools.wraps(check)
    def checked(*functions):
        names = inspect.signature(check).parameters
        return check(*(reporting(f, n) for f, n in zip(functions, names)))
    return checked
