"""Reading a student's nn.Module through calls only (it may be a handle in the sealed
grader): its leaf modules (``layers``: kind, parameters and buffers as plain tensors, a
batch norm's settings), and SPEC's MLP rebuilt from them, so that checks judge what runs
rather than how modules are registered. Layers are read from the modules themselves, never
guessed from their buffers: a BatchNorm1d that tracks no running statistics is still a
batch norm."""
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
class Layer:
    """A leaf module of a student's model, read through calls. ``kind``: its class name;
    ``tensors``: its parameters and buffers by local name (weight, bias, running_mean,
    ...); ``settings``: a batch norm's num_features, eps, momentum, affine and
    track_running_stats (PyTorch's defaults where the module has no such attribute)."""

    name: str
    kind: str
    tensors: dict
    settings: dict

    @property
    def is_norm(self) -> bool:
        return "BatchNorm" in self.kind or "running_mean" in self.tensors

    @property
    def is_linear(self) -> bool:
        weight = self.tensors.get("weight")
        return not self.is_norm and weight is not None and weight.dim() == 2

    @property
    def width(self) -> int:
        """A batch norm's number of features; a linear map's number of outputs."""
        if self.is_norm:
            return int(self.settings["num_features"])
        return int(self.tensors["weight"].shape[0])


NORM_DEFAULTS = {"eps": EPS, "momentum": 0.1, "affine": True, "track_running_stats": True}


def _setting(module, name, default):
    try:
        value = getattr(module, name)
    except Exception:   # a custom module without it
        return default
    return value if isinstance(value, (bool, int, float)) or value is None else default


def layers(model) -> list[Layer]:
    """The leaf modules of ``model`` in registration order, each once (a module used in two
    places is one layer), with their tensors and, for batch norms, their settings."""
    values = state(model)
    out = []
    for name, module, leaf in _leaves(model):
        if not leaf:
            continue
        prefix = f"{name}." if name else ""
        tensors = {key[len(prefix):]: v for key, v in values.items()
                   if key.startswith(prefix) and "." not in key[len(prefix):]}
        layer = Layer(name, module._get_name(), tensors, {})
        if layer.is_norm:
            mean = tensors.get("running_mean", tensors.get("weight"))
            layer.settings = {key: _setting(module, key, default)
                              for key, default in NORM_DEFAULTS.items()}
            layer.settings["num_features"] = _setting(
                module, "num_features", mean.numel() if mean is not None else 0)
        out.append(layer)
    return out


@dataclass
class MLP:
    """SPEC's MLP read from a student's model: ``linears[i] = (W (out, in), b (out,))`` in
    forward order 784 -> hidden... -> 10; ``norms[i]``: the BatchNorm1d of hidden layer i,
    {"weight", "bias" (ones and zeros without affine), "running_mean", "running_var" (None
    when not tracked), and its settings}."""
    linears: list
    norms: list

    def pre_activations(self, X, relu_first=False) -> list:
        """Training mode (batch statistics, dropout off): each hidden layer's batch norm
        input, (N, width) each."""
        return self._run(X, True, relu_first)[1]

    def forward(self, X, training, relu_first=False):
        """Linear -> BatchNorm1d -> ReLU per hidden layer, then Linear (dropout off).
        training: batch statistics (biased variance), else the running ones.
        relu_first: Linear -> ReLU -> BatchNorm1d instead (a diagnosis, not SPEC)."""
        return self._run(X, training, relu_first)[0]

    def _run(self, X, training, relu_first):
        h, seen = X, []
        for (W, b), bn in zip(self.linears, self.norms):
            h = h @ W.T + b
            h = torch.relu(h) if relu_first else h
            seen.append(h)
            mean, var = ((h.mean(0), h.var(0, unbiased=False)) if training
                         else (bn["running_mean"], bn["running_var"]))
            h = (h - mean) / torch.sqrt(var + EPS) * bn["weight"] + bn["bias"]
            h = h if relu_first else torch.relu(h)
        W, b = self.linears[-1]
        return h @ W.T + b, seen

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


def _norm(layer: Layer) -> dict:
    width, tensors = layer.width, layer.tensors
    return {"weight": tensors.get("weight", torch.ones(width)),
            "bias": tensors.get("bias", torch.zeros(width)),
            "running_mean": tensors.get("running_mean"), "running_var": tensors.get("running_var"),
            **layer.settings}


def read_mlp(model, hidden, call) -> MLP:
    """The Linear and BatchNorm1d layers of ``model`` for hidden widths ``hidden``, found
    among its modules by kind and shape (any registration order; layers of equal shape in
    registration order). Raises AssertionError naming ``call`` when a layer is missing."""
    found = layers(model)
    linears = [layer for layer in found if layer.is_linear]
    norms = [layer for layer in found if layer.is_norm]
    widths = [784, *hidden, 10]
    shown = ", ".join(f"{layer.tensors['weight'].shape[1]} -> {layer.width}"
                      for layer in linears) or "none"
    chain = []
    for n_in, n_out in zip(widths, widths[1:]):
        layer = next((candidate for candidate in linears
                      if tuple(candidate.tensors["weight"].shape) == (n_out, n_in)), None)
        assert layer is not None, (
            f"{call}: expected Linear layers {' -> '.join(map(str, widths))}, each its own "
            f"module; no {'other ' if chain else ''}Linear maps {n_in} -> {n_out} (found Linear "
            f"layers {shown})")
        linears.remove(layer)
        chain.append((layer.tensors["weight"], layer.tensors.get("bias", torch.zeros(n_out))))
    chosen, widths_found = [], sorted(layer.width for layer in norms) or "none"
    for size in hidden:
        layer = next((candidate for candidate in norms if candidate.width == size), None)
        assert layer is not None, (
            f"{call}: expected a BatchNorm1d({size}) after each Linear(., {size}), each its own "
            f"module; found batch norm layers of widths {widths_found} (every hidden layer is "
            "Linear -> BatchNorm1d -> ReLU -> Dropout)")
        norms.remove(layer)
        chosen.append(_norm(layer))
    return MLP(chain, chosen)


def norm_settings_problems(mlp: MLP, hidden) -> list[str]:
    """What differs from nn.BatchNorm1d(width)'s defaults that changes what it computes: no
    learnable scale and shift, no running statistics, another eps or momentum."""
    problems = []
    for size, bn in zip(hidden, mlp.norms):
        if not bn["affine"]:
            problems.append(f"BatchNorm1d({size}) has no learnable scale and shift "
                            "(affine=False)")
        if not bn["track_running_stats"] or bn["running_mean"] is None:
            problems.append(f"BatchNorm1d({size}) keeps no running statistics "
                            "(track_running_stats=False): evaluation mode must use them")
        for key in ("eps", "momentum"):
            if bn[key] != NORM_DEFAULTS[key]:
                problems.append(f"BatchNorm1d({size}) has {key}={bn[key]} (PyTorch's default, "
                                f"which SPEC uses, is {NORM_DEFAULTS[key]})")
    return list(dict.fromkeys(problems))


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
