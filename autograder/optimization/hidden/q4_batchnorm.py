"""Hidden checks of Q4, batch normalization, against torch.nn.functional.batch_norm."""
import numpy as np
import torch
import torch.nn.functional as F

from autograder.optimization.public import all_of, as_numpy, assert_close, assert_raises, call

N, D, MOMENTUM, EPS = 16, 7, 0.3, 1e-3  # not the defaults, so hard-coded defaults fail


def _inputs(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 3.0, size=(N, D)).astype(dtype)
    gamma, beta = rng.normal(1.0, 0.5, D), rng.normal(0.0, 1.0, D)
    running_mean, running_var = rng.normal(size=D), rng.uniform(0.5, 2.0, D)
    return x, gamma, beta, running_mean, running_var


def _torch_forward(x, gamma, beta, running_mean, running_var, training):
    t = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))  # noqa: E731
    rm, rv = t(running_mean), t(running_var)
    out = F.batch_norm(t(x), rm, rv, t(gamma), t(beta), training=training,
                       momentum=MOMENTUM, eps=EPS)
    return out.numpy(), rm.numpy(), rv.numpy()


def training_forward_matches_torch(batchnorm_forward):
    """Output and running statistics equal F.batch_norm(training=True)."""
    for seed in (0, 1):
        args = _inputs(seed)
        out, _, mean, var = call(batchnorm_forward, *args, training=True, momentum=MOMENTUM, eps=EPS)
        ref_out, ref_mean, ref_var = _torch_forward(*args, training=True)
        what = f"batchnorm_forward(x, ..., training=True, momentum={MOMENTUM}, eps={EPS})"
        all_of(lambda: assert_close(out, ref_out, f"{what}: out"),
               lambda: assert_close(mean, ref_mean, f"{what}: new running mean"),
               lambda: assert_close(var, ref_var, f"{what}: new running var (momentum update "
                                                  f"with the UNBIASED batch variance)"))


def evaluation_uses_running_statistics(batchnorm_forward):
    """Evaluation normalizes with the running statistics and returns them unchanged."""
    x, gamma, beta, running_mean, running_var = _inputs(2)
    out, _, mean, var = call(batchnorm_forward, x, gamma, beta, running_mean, running_var,
                             training=False, momentum=MOMENTUM, eps=EPS)
    ref_out, _, _ = _torch_forward(x, gamma, beta, running_mean, running_var, training=False)
    what = f"batchnorm_forward(x, ..., training=False, momentum={MOMENTUM}, eps={EPS})"
    all_of(lambda: assert_close(out, ref_out, f"{what}: out (normalized with the running statistics)"),
           lambda: assert_close(mean, running_mean, f"{what}: the running mean should come back unchanged"),
           lambda: assert_close(var, running_var, f"{what}: the running var should come back unchanged"))


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
    """dx, dgamma, dbeta equal autograd through the training-mode forward."""
    for seed in (4, 5):
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
