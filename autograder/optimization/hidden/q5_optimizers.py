"""Hidden checks of Q5: momentum, RMSprop and Adam against torch.optim, and the EMA."""
import numpy as np
import torch

from autograder.optimization.hidden import right_values_first
from autograder.optimization.public import all_of, as_numpy, assert_close, assert_raises, call, invoke

STEPS, SHAPE = 12, (3, 4)


def _gradients(seed, scale):
    """A fixed sequence of gradients (the checks feed them regardless of w)."""
    return np.random.default_rng(seed).normal(0.0, scale, size=(STEPS, *SHAPE))


def _torch_trajectory(make_optimizer, w0, grads):
    """Weights after each step of a torch optimizer fed the given gradients."""
    p = torch.nn.Parameter(torch.tensor(w0))
    opt = make_optimizer([p])
    out = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def momentum_matches_torch_sgd(momentum_step):
    """The EWA form equals torch.optim.SGD(momentum=beta) with lr * (1 - beta)."""
    lr, beta = 0.1, 0.8
    w0, grads = np.random.default_rng(0).normal(size=SHAPE), _gradients(1, 1.0)
    ref = _torch_trajectory(lambda p: torch.optim.SGD(p, lr=lr * (1 - beta), momentum=beta),
                            w0, grads)
    w, v = w0, np.zeros(SHAPE)
    for t, g in enumerate(grads):
        w, v = call(momentum_step, w, g, v, lr, beta=beta)
        assert_close(w, ref[t], f"momentum_step(w, dw, v, lr={lr}, beta={beta}): w after step "
                                f"{t + 1} (compared with torch.optim.SGD)")


def rmsprop_matches_torch(rmsprop_step):
    """Equals torch.optim.RMSprop(alpha=beta); eps is added outside the square root."""
    lr, beta, eps = 0.01, 0.9, 1e-3
    w0, grads = np.random.default_rng(2).normal(size=SHAPE), _gradients(3, 1e-2)
    ref = _torch_trajectory(lambda p: torch.optim.RMSprop(p, lr=lr, alpha=beta, eps=eps), w0, grads)
    w, s = w0, np.zeros(SHAPE)
    for t, g in enumerate(grads):
        w, s = call(rmsprop_step, w, g, s, lr, beta=beta, eps=eps)
        assert_close(w, ref[t], f"rmsprop_step(w, dw, s, lr={lr}, beta={beta}, eps={eps}): w "
                                f"after step {t + 1} (compared with torch.optim.RMSprop)")


def _adam_run(adam_step, betas, eps, seed):
    lr = 0.01
    w0, grads = np.random.default_rng(seed).normal(size=SHAPE), _gradients(seed + 1, 1e-2)
    ref = _torch_trajectory(lambda p: torch.optim.Adam(p, lr=lr, betas=betas, eps=eps), w0, grads)
    w, m, v = w0, np.zeros(SHAPE), np.zeros(SHAPE)
    for t, g in enumerate(grads, start=1):
        w, m, v = call(adam_step, w, g, m, v, t, lr=lr, beta1=betas[0], beta2=betas[1], eps=eps)
        assert_close(w, ref[t - 1], f"adam_step(w, dw, m, v, t={t}, lr={lr}, beta1={betas[0]}, "
                                    f"beta2={betas[1]}, eps={eps}): w after step t={t} "
                                    f"(compared with torch.optim.Adam)")


def adam_matches_torch(adam_step):
    """Equals torch.optim.Adam with default betas, bias correction with 1-based t."""
    _adam_run(adam_step, (0.9, 0.999), 1e-8, seed=4)


def adam_matches_torch_other_hyperparameters(adam_step):
    """Equals torch.optim.Adam with other betas and a large eps (outside the root)."""
    _adam_run(adam_step, (0.8, 0.95), 1e-3, seed=6)


def adam_rejects_step_zero(adam_step):
    """t < 1 raises ValueError (t is 1-based)."""
    z = np.zeros(3)
    for t in (0, -1):
        assert_raises(ValueError, f"adam_step(w, dw, m, v, t={t})", adam_step, z, z, z, z, t)


def steps_leave_inputs_unchanged(momentum_step, rmsprop_step, adam_step):
    """No step modifies w, dw or its state in place (credited once the step's values are
    right); each step gets its own arrays, so a change is blamed on the function that made it."""
    def unchanged(step, values_check, names, extra=()):
        right_values_first(values_check, step)
        rng = np.random.default_rng(8)
        arrays = [rng.normal(size=SHAPE) for _ in names]
        arrays[-1] = np.abs(arrays[-1])
        copies = [a.copy() for a in arrays]
        result = invoke(step, (*arrays, *extra), copy=False)
        what = f"{step.__name__}({', '.join(names)}, ...)"
        assert as_numpy(result[0]).shape == SHAPE, f"{what} should return the new w first"
        changed = [n for n, a, b in zip(names, arrays, copies) if not np.array_equal(a, b)]
        assert not changed, f"{what} modified {', '.join(changed)} in place"
    all_of(lambda: unchanged(momentum_step, momentum_matches_torch_sgd, ("w", "dw", "v"), (0.1,)),
           lambda: unchanged(rmsprop_step, rmsprop_matches_torch, ("w", "dw", "s"), (0.1,)),
           lambda: unchanged(adam_step, adam_matches_torch, ("w", "dw", "m", "v"), (3,)))


def _ema_reference(values, beta, bias_correction):
    out, v = [], 0.0
    for t, y in enumerate(values, start=1):
        v = beta * v + (1 - beta) * y
        out.append(v / (1 - beta**t) if bias_correction else v)
    return np.array(out)


def ema_matches_the_recurrence(ema):
    """v_t = beta v_{t-1} + (1 - beta) y_t from v_0 = 0, with and without bias correction."""
    values = np.random.default_rng(10).normal(5.0, 2.0, size=40)
    for beta in (0.9, 0.5):
        for corrected in (True, False):
            assert_close(call(ema, values, beta, bias_correction=corrected),
                         _ema_reference(values, beta, corrected),
                         f"ema(values, beta={beta}, bias_correction={corrected})")
    assert_close(call(ema, list(values[:5]), 0.9), _ema_reference(values[:5], 0.9, True),
                 "ema(values, beta=0.9) with values a Python list")


def ema_edge_values(ema):
    """One value (t = 1: the corrected average is that value), beta = 0 (no memory)."""
    values = np.random.default_rng(11).normal(size=6)
    for args, what in (((values[:1], 0.9, True), "ema(values, beta=0.9) of one value"),
                       ((values[:1], 0.9, False), "ema(values, beta=0.9, bias_correction=False) of one value"),
                       ((values, 0.0, True), "ema(values, beta=0.0)")):
        assert_close(call(ema, *args), _ema_reference(*args), what)
