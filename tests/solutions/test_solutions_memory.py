"""Q7 ``training_memory`` against the bytes PyTorch really holds for the same MLP."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st
from torch.func import functional_call, grad, vmap

from helpers_torch import (PROPERTY, PROPERTY_MODEL, SEEDS, mlp, saved_tensors_during,
                           shares_storage,
                           storage_bytes)
from solutions.optimization import megabytes_1, megabytes_2, training_memory

LAYER_SIZES = st.lists(st.integers(1, 24), min_size=2, max_size=5)
BATCH_SIZES = st.integers(1, 16)
DTYPES = st.sampled_from([(torch.float32, 4), (torch.float64, 8)])
OPTIMIZERS = {
    "sgd": lambda params: torch.optim.SGD(params, lr=0.1),
    "momentum": lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9),
    "adam": lambda params: torch.optim.Adam(params),
}
KEYS = {"parameters", "gradients", "optimizer_state", "activations", "per_example_gradients",
        "total"}


def setup(layer_sizes, batch_size, dtype, seed):
    """The MLP of ``layer_sizes``, a batch x and its labels y."""
    torch.manual_seed(seed)
    x = torch.randn(batch_size, layer_sizes[0], dtype=dtype)
    return mlp(layer_sizes, dtype), x, torch.randint(0, layer_sizes[-1], (batch_size,))


def per_example_gradients(model, x, y):
    """One gradient per example with torch.func: vmap over the batch of grad of the loss."""
    params = {name: p.detach() for name, p in model.named_parameters()}

    def loss(params, xi, yi):
        return F.cross_entropy(functional_call(model, params, (xi[None],)), yi[None])

    return vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)


@PROPERTY
@given(layer_sizes=LAYER_SIZES, batch_size=BATCH_SIZES, dtype=DTYPES, seed=SEEDS)
def test_parameters_gradients_and_saved_activations(layer_sizes, batch_size, dtype, seed):
    """Parameter and gradient bytes, and what autograd saves during forward + loss.

    Autograd saves, besides (views of) the weights: the input x, each hidden ReLU output
    (used by ReLU's backward and by the next Linear's weight gradient), and the log-softmax
    output of F.cross_entropy -- exactly batch_size * sum(layer_sizes) values, docs/spec.md's
    ``activations``. PyTorch also keeps two things docs/spec.md does not count as activations:
    the integer labels y (int64, for nll_loss's backward) and nll_loss's 0-d total_weight.
    """
    torch_dtype, nbytes = dtype
    model, x, y = setup(layer_sizes, batch_size, torch_dtype, seed)
    params = list(model.parameters())
    loss, saved = saved_tensors_during(lambda: F.cross_entropy(model(x), y))
    loss.backward()
    ours = training_memory(layer_sizes, batch_size, bytes_per_value=nbytes)
    assert ours["parameters"] == sum(p.nbytes for p in params)
    assert ours["gradients"] == sum(p.grad.nbytes for p in params)
    activations = [t for t in saved if not shares_storage(t, params)]
    labels = [t for t in activations if shares_storage(t, [y])]
    scalars = [t for t in activations if t.dim() == 0]
    values = [t for t in activations if t.dim() > 0 and not shares_storage(t, [y])]
    assert storage_bytes(values) == ours["activations"]
    assert all(t.dtype == torch_dtype for t in values)
    assert storage_bytes(labels) == y.nbytes == 8 * batch_size
    assert len(scalars) == 1 and storage_bytes(scalars) == nbytes


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@PROPERTY_MODEL
@given(layer_sizes=LAYER_SIZES, dtype=DTYPES, seed=SEEDS)
def test_optimizer_state_after_one_step(name, layer_sizes, dtype, seed):
    """Tensor state shaped like the parameters: none (SGD), momentum_buffer (SGD with
    momentum), exp_avg and exp_avg_sq (Adam). Adam's 0-d ``step`` counters are excluded:
    they do not scale with the model, and the spec counts only per-parameter copies."""
    torch_dtype, nbytes = dtype
    model, x, y = setup(layer_sizes, 4, torch_dtype, seed)
    optimizer = OPTIMIZERS[name](model.parameters())
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
    state = [(p, key, v) for p, s in optimizer.state.items() for key, v in s.items()
             if isinstance(v, torch.Tensor)]
    copies = [v for p, _, v in state if v.shape == p.shape]
    assert all(key == "step" and v.dim() == 0 for p, key, v in state if v.shape != p.shape)
    ours = training_memory(layer_sizes, 4, name, bytes_per_value=nbytes)
    assert ours["optimizer_state"] == sum(v.nbytes for v in copies)


@PROPERTY_MODEL
@given(layer_sizes=LAYER_SIZES, batch_size=BATCH_SIZES, seed=SEEDS)
def test_per_example_gradients_match_torch_func(layer_sizes, batch_size, seed):
    model, x, y = setup(layer_sizes, batch_size, torch.float32, seed)
    grads = per_example_gradients(model, x, y)
    assert all(g.shape == (batch_size, *p.shape)
               for g, p in zip(grads.values(), model.parameters()))
    ours = training_memory(layer_sizes, batch_size, per_example_grads=True)
    assert ours["per_example_gradients"] == sum(g.nbytes for g in grads.values())
    assert training_memory(layer_sizes, batch_size)["per_example_gradients"] == 0


@PROPERTY
@given(layer_sizes=LAYER_SIZES, batch_size=BATCH_SIZES, optimizer=st.sampled_from(["sgd",
       "momentum", "adam"]), nbytes=st.sampled_from([2, 4, 8]), per_example=st.booleans())
def test_dict_of_ints_with_total(layer_sizes, batch_size, optimizer, nbytes, per_example):
    ours = training_memory(layer_sizes, batch_size, optimizer, nbytes, per_example)
    assert set(ours) == KEYS and all(isinstance(v, (int, np.integer)) for v in ours.values())
    assert ours["total"] == sum(v for k, v in ours.items() if k != "total")


def test_megabytes_answers_equal_torch_for_784_128_10():
    """megabytes_1: parameters, gradients and momentum buffers of the 784-128-10 net;
    megabytes_2: plus one gradient per example for a batch of 50 (1 MB = 10**6 bytes)."""
    model, x, y = setup([784, 128, 10], 50, torch.float32, 0)
    optimizer = OPTIMIZERS["momentum"](model.parameters())
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
    held = sum(p.nbytes + p.grad.nbytes + optimizer.state[p]["momentum_buffer"].nbytes
               for p in model.parameters())
    per_example = sum(g.nbytes for g in per_example_gradients(model, x, y).values())
    assert megabytes_1 == pytest.approx(1.22124, abs=1e-12) == held / 1e6
    assert megabytes_2 == pytest.approx(21.57524, abs=1e-12) == (held + per_example) / 1e6


@pytest.mark.parametrize("name", ["SGD", "Adam", "rmsprop", "adamw", ""])
def test_unknown_optimizer_raises(name):
    with pytest.raises(ValueError):
        training_memory([3, 2], 1, name)
