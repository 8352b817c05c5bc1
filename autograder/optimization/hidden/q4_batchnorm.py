"""Hidden checks of Q4, batch normalization, against torch.nn.functional.batch_norm, on fixed
inputs and on inputs drawn from its input space (space.py)."""
import numpy as np
import torch
import torch.nn.functional as F

from autograder.drawn import search
from autograder.optimization.hidden.judging import (
    Part, call_drawn, changed_arguments, compare, parts_of, plain, precision, result_dtype,
    type_problem,
)
from autograder.optimization.hidden.space import BATCHNORM_MODES, SPACES, drawn as make_call
from autograder.optimization.public import all_of, as_numpy, assert_close, assert_raises, call

N, D, MOMENTUM, EPS = 16, 7, 0.3, 1e-3  # not the defaults, so hard-coded defaults fail


def _inputs(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 3.0, size=(N, D)).astype(dtype)
    gamma, beta = rng.normal(1.0, 0.5, D), rng.normal(0.0, 1.0, D)
    running_mean, running_var = rng.normal(size=D), rng.uniform(0.5, 2.0, D)
    return x, gamma, beta, running_mean, running_var


def _torch_forward(x, gamma, beta, running_mean, running_var, training, momentum=MOMENTUM,
                   eps=EPS):
    t = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))  # noqa: E731
    rm, rv = t(running_mean), t(running_var)
    out = F.batch_norm(t(x), rm, rv, t(gamma), t(beta), training=training,
                       momentum=momentum, eps=eps)
    return out.numpy(), rm.numpy(), rv.numpy()


FORWARD_PARTS = (Part("out", follows="x"), Part("cache", "free"),
                 Part("new_running_mean", follows="running_mean"),
                 Part("new_running_var", follows="running_var"))


def judge_forward(batchnorm_forward, drawn, conventions=False):
    """out and the new running statistics equal F.batch_norm's (training: batch statistics,
    momentum update with the unbiased variance; evaluation: the running statistics, returned
    unchanged). With ``conventions``: out in x's float dtype, the statistics in theirs,
    numpy-scalar momentum and eps included; no argument changed."""
    result, after = call_drawn(batchnorm_forward, drawn)
    try:
        got = parts_of(result, FORWARD_PARTS)
    except AssertionError as e:
        raise AssertionError(f"{drawn} {e}") from None
    a = {k: plain(v) for k, v in drawn.values}
    expected = dict(zip(("out", "new_running_mean", "new_running_var"), _torch_forward(
        a["x"], a["gamma"], a["beta"], a["running_mean"], a["running_var"], a["training"],
        a["momentum"], a["eps"])))
    problems = []
    for part in FORWARD_PARTS[::2] + FORWARD_PARTS[3:]:
        value = got[part.name]
        returned = not drawn["training"] and part.name != "out" and isinstance(value, list)
        wrong_type = None if returned else type_problem(value, "array")
        if wrong_type:
            problems.append(f"{part.name} {wrong_type}")
            continue
        want = result_dtype(drawn[part.follows])
        if conventions and not returned and value.dtype != want:
            problems.append(f"{part.name} is {value.dtype}, expected {want} (x decides out's dtype, "
                            f"the running statistics theirs; integers give float64; numpy-scalar "
                            f"momentum or eps must not change it)")
        try:
            compare(part.name, value, expected[part.name], precision(drawn, want))
        except AssertionError as e:
            problems.append(str(e))
    if conventions and changed_arguments(drawn, after):
        problems.append(f"modified {', '.join(changed_arguments(drawn, after))} in place: "
                        f"return new arrays")
    if problems:
        raise AssertionError(f"{drawn}:\n  " + "\n  ".join(problems))


def judge_backward(batchnorm_forward, batchnorm_backward, drawn, conventions=False):
    """dx, dgamma, dbeta of batchnorm_backward(dout, cache) after the training forward equal
    autograd's through F.batch_norm; with ``conventions``: in dout's float dtype, dout
    untouched."""
    a = dict(drawn.values)
    forward = make_call("batchnorm_forward", **{k: a[k] for k in (
        "x", "gamma", "beta", "running_mean", "running_var")}, training=True, momentum=0.1,
        eps=a["eps"])
    result, _ = call_drawn(batchnorm_forward, forward)
    cache = result[1] if isinstance(result, (tuple, list)) and len(result) == 4 else None
    backward = make_call("batchnorm_backward", dout=a["dout"], cache=cache)
    what = f"{backward} after {forward}"
    result, after = call_drawn(batchnorm_backward, backward)
    parts = tuple(Part(n, follows="dout") for n in ("dx", "dgamma", "dbeta"))
    try:
        got = parts_of(result, parts)
    except AssertionError as e:
        raise AssertionError(f"{what} {e}") from None
    p = {k: plain(v) for k, v in a.items()}
    x, g, b = (torch.tensor(p[k], requires_grad=True) for k in ("x", "gamma", "beta"))
    F.batch_norm(x, None, None, g, b, training=True, eps=p["eps"]).backward(torch.tensor(p["dout"]))
    expected = {"dx": x.grad.numpy(), "dgamma": g.grad.numpy(), "dbeta": b.grad.numpy()}
    problems = []
    for part in parts:
        value = got[part.name]
        wrong_type = type_problem(value, "array")
        if wrong_type:
            problems.append(f"{part.name} {wrong_type}")
            continue
        want = result_dtype(a["dout"])
        if conventions and value.dtype != want:
            problems.append(f"{part.name} is {value.dtype}, expected {want} (dout's dtype)")
        try:
            compare(part.name, value, expected[part.name], precision(drawn, want))
        except AssertionError as e:
            problems.append(str(e))
    if conventions and changed_arguments(backward, after):
        problems.append("modified dout in place: compute new arrays")
    if problems:
        raise AssertionError(f"{what}:\n  " + "\n  ".join(problems))


def training_forward_matches_torch(batchnorm_forward):
    """Output and running statistics equal F.batch_norm(training=True), on fixed inputs and
    on drawn ones: N from 2, features of every offset and scale (constant ones included),
    momentum in [0, 1], several eps."""
    def fixed():
        for seed in (0, 1):
            args = _inputs(seed)
            out, _, mean, var = call(batchnorm_forward, *args, training=True, momentum=MOMENTUM,
                                     eps=EPS)
            ref_out, ref_mean, ref_var = _torch_forward(*args, training=True)
            what = f"batchnorm_forward(x, ..., training=True, momentum={MOMENTUM}, eps={EPS})"
            all_of(lambda: assert_close(out, ref_out, f"{what}: out"),
                   lambda: assert_close(mean, ref_mean, f"{what}: new running mean"),
                   lambda: assert_close(var, ref_var, f"{what}: new running var (momentum "
                                                      f"update with the UNBIASED batch variance)"))
    all_of(fixed, lambda: search("q4.batchnorm_training", BATCHNORM_MODES[True],
                                 lambda d: judge_forward(batchnorm_forward, d),
                                 [e for e in SPACES["batchnorm_forward"].math_edges if e["training"]]))


def evaluation_uses_running_statistics(batchnorm_forward):
    """Evaluation normalizes with the running statistics and returns them unchanged, on
    fixed and on drawn inputs (N from 1)."""
    x, gamma, beta, running_mean, running_var = _inputs(2)
    out, _, mean, var = call(batchnorm_forward, x, gamma, beta, running_mean, running_var,
                             training=False, momentum=MOMENTUM, eps=EPS)
    ref_out, _, _ = _torch_forward(x, gamma, beta, running_mean, running_var, training=False)
    what = f"batchnorm_forward(x, ..., training=False, momentum={MOMENTUM}, eps={EPS})"
    all_of(lambda: assert_close(out, ref_out, f"{what}: out (normalized with the running statistics)"),
           lambda: assert_close(mean, running_mean, f"{what}: the running mean should come back unchanged"),
           lambda: assert_close(var, running_var, f"{what}: the running var should come back unchanged"),
           lambda: search("q4.batchnorm_evaluation", BATCHNORM_MODES[False],
                          lambda d: judge_forward(batchnorm_forward, d),
                          [e for e in SPACES["batchnorm_forward"].math_edges if not e["training"]]))


def evaluation_accepts_one_sample(batchnorm_forward):
    """N == 1 is an error in training only: evaluation normalizes a single sample."""
    x, gamma, beta, running_mean, running_var = _inputs(7)
    out = call(batchnorm_forward, x[:1], gamma, beta, running_mean, running_var, False,
               MOMENTUM, EPS)[0]
    ref = _torch_forward(x[:1], gamma, beta, running_mean, running_var, training=False)[0]
    assert_close(out, ref, f"batchnorm_forward(x, ..., training=False, momentum={MOMENTUM}, "
                           f"eps={EPS}) with x of shape (1, {D})")


def output_dtype_follows_input(batchnorm_forward):
    """float32 x gives a float32 output with the same values."""
    x, gamma, beta, running_mean, running_var = _inputs(3, np.float32)
    out = as_numpy(call(batchnorm_forward, x, gamma, beta, running_mean, running_var,
                        momentum=MOMENTUM, eps=EPS)[0])
    assert out.dtype == np.float32, (
        f"batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum={MOMENTUM}, "
        f"eps={EPS}) with x float32 and gamma, beta, running statistics float64: out should be "
        f"float32, got {out.dtype} (x decides the output dtype, SPEC: dtype follows the input; "
        f"cast with .astype(x.dtype))")
    assert_close(out, _torch_forward(x, gamma, beta, running_mean, running_var, True)[0],
                 "float32 training output")


def backward_matches_autograd(batchnorm_forward, batchnorm_backward):
    """dx, dgamma, dbeta equal autograd through the training-mode forward, on fixed inputs
    and on drawn ones (constant features, offsets of 1e3, N = 2, several eps)."""
    space = SPACES["batchnorm_backward"]

    def fixed():
        for seed in (4, 5):
            one(seed)

    def one(seed):
        x, gamma, beta, running_mean, running_var = _inputs(seed)
        dout = np.random.default_rng(seed + 10).normal(size=(N, D))
        _, cache, _, _ = call(batchnorm_forward, x, gamma, beta, running_mean, running_var,
                              training=True, momentum=MOMENTUM, eps=EPS)
        dx, dgamma, dbeta = call(batchnorm_backward, dout, cache)
        tx, tg, tb = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
        out = F.batch_norm(tx, None, None, tg, tb, training=True, eps=EPS)
        out.backward(torch.tensor(dout))
        what = "batchnorm_backward(dout, cache)"
        all_of(lambda: assert_close(dx, tx.grad, f"{what}: dx (the batch mean and variance depend on x)"),
               lambda: assert_close(dgamma, tg.grad, f"{what}: dgamma"),
               lambda: assert_close(dbeta, tb.grad, f"{what}: dbeta"))
    all_of(fixed, lambda: search(
        "q4.batchnorm_backward", space.math,
        lambda d: judge_backward(batchnorm_forward, batchnorm_backward, d), space.math_edges))


def rejects_one_sample_and_keeps_inputs(batchnorm_forward):
    """N == 1 in training raises ValueError; no input is modified in place."""
    x, gamma, beta, running_mean, running_var = _inputs(6)
    assert_raises(ValueError, "batchnorm_forward(x, ..., training=True) with x of shape (1, 7)", batchnorm_forward,
                  x[:1], gamma, beta, running_mean, running_var, training=True)
    copies = [a.copy() for a in (x, gamma, beta, running_mean, running_var)]
    batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True,
                      momentum=MOMENTUM, eps=EPS)
    for name, before, after in zip(("x", "gamma", "beta", "running_mean", "running_var"),
                                   copies, (x, gamma, beta, running_mean, running_var)):
        assert np.array_equal(before, after), (
            f"batchnorm_forward(x, ..., training=True) modified {name} in place")
