"""Hidden checks of Q5: momentum, RMSprop and Adam against torch.optim over 12 steps and
against SPEC's formulas on drawn states (space.py), and the EMA."""
import numpy as np
import torch

from autograder.drawn import search
from autograder.optimization.hidden.judging import Part, judge
from autograder.optimization.hidden.space import SPACES
from autograder.optimization.public import all_of, assert_close, assert_raises, call, invoke

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


def _momentum(a):
    v = a["beta"] * a["v"] + (1 - a["beta"]) * a["dw"]
    return {"w": a["w"] - a["lr"] * v, "v": v}


def _rmsprop(a):
    s = a["beta"] * a["s"] + (1 - a["beta"]) * a["dw"] ** 2
    return {"w": a["w"] - a["lr"] * a["dw"] / (np.sqrt(s) + a["eps"]), "s": s}


def _adam(a):
    m = a["beta1"] * a["m"] + (1 - a["beta1"]) * a["dw"]
    v = a["beta2"] * a["v"] + (1 - a["beta2"]) * a["dw"] ** 2
    m_hat, v_hat = m / (1 - a["beta1"] ** a["t"]), v / (1 - a["beta2"] ** a["t"])
    return {"w": a["w"] - a["lr"] * m_hat / (np.sqrt(v_hat) + a["eps"]), "m": m, "v": v}


def judge_momentum(momentum_step, drawn, conventions=False):
    judge(momentum_step, drawn, (Part("w", follows="w"), Part("v", follows="v")), _momentum,
          conventions)


def judge_rmsprop(rmsprop_step, drawn, conventions=False):
    judge(rmsprop_step, drawn, (Part("w", follows="w"), Part("s", follows="s")), _rmsprop,
          conventions)


def judge_adam(adam_step, drawn, conventions=False):
    judge(adam_step, drawn, (Part("w", follows="w"), Part("m", follows="m"),
                             Part("v", follows="v")), _adam, conventions)


def _steps(name, judge_step, step):
    """One step from drawn states: shapes (1,), (0, 2), 3-D; hyperparameters at their edges
    (beta 0, lr 1, eps 1, t = 1 and t in the thousands); gradients tiny and large."""
    search(f"q5.{name}", SPACES[name].math, lambda d: judge_step(step, d),
           SPACES[name].math_edges)


def momentum_matches_torch_sgd(momentum_step):
    """The EWA form equals torch.optim.SGD(momentum=beta) with lr * (1 - beta) over 12
    steps, and SPEC's formula for one step from drawn states."""
    def trajectory():
        lr, beta = 0.1, 0.8
        w0, grads = np.random.default_rng(0).normal(size=SHAPE), _gradients(1, 1.0)
        ref = _torch_trajectory(lambda p: torch.optim.SGD(p, lr=lr * (1 - beta), momentum=beta),
                                w0, grads)
        w, v = w0, np.zeros(SHAPE)
        for t, g in enumerate(grads):
            w, v = call(momentum_step, w, g, v, lr, beta=beta)
            assert_close(w, ref[t], f"momentum_step(w, dw, v, lr={lr}, beta={beta}): w after "
                                    f"step {t + 1} (compared with torch.optim.SGD)")
    all_of(trajectory, lambda: _steps("momentum_step", judge_momentum, momentum_step))


def rmsprop_matches_torch(rmsprop_step):
    """Equals torch.optim.RMSprop(alpha=beta) over 12 steps, eps outside the square root;
    and SPEC's formula for one step from drawn states."""
    def trajectory():
        lr, beta, eps = 0.01, 0.9, 1e-3
        w0, grads = np.random.default_rng(2).normal(size=SHAPE), _gradients(3, 1e-2)
        ref = _torch_trajectory(lambda p: torch.optim.RMSprop(p, lr=lr, alpha=beta, eps=eps),
                                w0, grads)
        w, s = w0, np.zeros(SHAPE)
        for t, g in enumerate(grads):
            w, s = call(rmsprop_step, w, g, s, lr, beta=beta, eps=eps)
            assert_close(w, ref[t], f"rmsprop_step(w, dw, s, lr={lr}, beta={beta}, eps={eps}): "
                                    f"w after step {t + 1} (compared with torch.optim.RMSprop)")
    all_of(trajectory, lambda: _steps("rmsprop_step", judge_rmsprop, rmsprop_step))


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
    """Equals torch.optim.Adam with default betas over 12 steps (bias correction with 1-based
    t); and SPEC's formula for one step from drawn states (t up to 10,000)."""
    all_of(lambda: _adam_run(adam_step, (0.9, 0.999), 1e-8, seed=4),
           lambda: _steps("adam_step", judge_adam, adam_step))


def adam_matches_torch_other_hyperparameters(adam_step):
    """Equals torch.optim.Adam with other betas and a large eps (outside the root)."""
    _adam_run(adam_step, (0.8, 0.95), 1e-3, seed=6)


def adam_rejects_step_zero(adam_step):
    """t < 1 raises ValueError (t is 1-based)."""
    z = np.zeros(3)
    for t in (0, -1, np.int64(0)):
        assert_raises(ValueError, f"adam_step(w, dw, m, v, t={t!r})", adam_step, z, z, z, z, t)


def steps_leave_inputs_unchanged(momentum_step, rmsprop_step, adam_step):
    """No step modifies w, dw or its state in place; credited only for a step whose new w
    is right (a placeholder returning its inputs changes nothing); each step gets its own
    arrays, so a change is blamed on the function that made it."""
    def unchanged(step, names, extra, reference):
        rng = np.random.default_rng(8)
        arrays = [rng.normal(size=SHAPE) for _ in names]
        arrays[-1] = np.abs(arrays[-1])
        copies = [a.copy() for a in arrays]
        result = invoke(step, (*arrays, *extra), copy=False)
        what = f"{step.__name__}({', '.join(names)}, ...)"
        expected = reference(dict(zip(names, copies)))["w"]
        assert_close(result[0], expected, f"{what}: the new w (this case credits only right steps)")
        changed = [n for n, a, b in zip(names, arrays, copies) if not np.array_equal(a, b)]
        assert not changed, f"{what} modified {', '.join(changed)} in place"
    all_of(lambda: unchanged(momentum_step, ("w", "dw", "v"), (0.1, 0.9),
                             lambda a: _momentum({**a, "lr": 0.1, "beta": 0.9})),
           lambda: unchanged(rmsprop_step, ("w", "dw", "s"), (0.1, 0.99, 1e-8),
                             lambda a: _rmsprop({**a, "lr": 0.1, "beta": 0.99, "eps": 1e-8})),
           lambda: unchanged(adam_step, ("w", "dw", "m", "v"), (3, 1e-3, 0.9, 0.999, 1e-8),
                             lambda a: _adam({**a, "t": 3, "lr": 1e-3, "beta1": 0.9,
                                              "beta2": 0.999, "eps": 1e-8})))


def _ema_reference(values, beta, bias_correction):
    out, v = [], 0.0
    for t, y in enumerate(values, start=1):
        v = beta * v + (1 - beta) * y
        out.append(v / (1 - beta**t) if bias_correction else v)
    return np.array(out, dtype=np.float64)


def judge_ema(ema, drawn, conventions=False):
    judge(ema, drawn, (Part("v", follows="values"),),
          lambda a: {"v": _ema_reference(a["values"], a["beta"], a["bias_correction"])},
          conventions)


def ema_matches_the_recurrence(ema):
    """v_t = beta v_{t-1} + (1 - beta) y_t from v_0 = 0, with and without bias correction,
    on fixed and on drawn sequences (empty, one value, beta from 0 to 0.999)."""
    def fixed():
        values = np.random.default_rng(10).normal(5.0, 2.0, size=40)
        for beta in (0.9, 0.5):
            for corrected in (True, False):
                assert_close(call(ema, values, beta, bias_correction=corrected),
                             _ema_reference(values, beta, corrected),
                             f"ema(values, beta={beta}, bias_correction={corrected})")
    all_of(fixed, lambda: search("q5.ema", SPACES["ema"].math, lambda d: judge_ema(ema, d),
                                 SPACES["ema"].math_edges))


def ema_edge_values(ema):
    """One value (t = 1: the corrected average is that value), beta = 0 (no memory), no
    value at all (an empty array)."""
    values = np.random.default_rng(11).normal(size=6)
    for args, what in (((values[:1], 0.9, True), "ema(values, beta=0.9) of one value"),
                       ((values[:0], 0.9, True), "ema(values, beta=0.9) of no value"),
                       ((values[:1], 0.9, False), "ema(values, beta=0.9, bias_correction=False) of one value"),
                       ((values, 0.0, True), "ema(values, beta=0.0)")):
        assert_close(call(ema, *args), _ema_reference(*args), what)
