"""Hidden checks of Q3, inverted dropout (p = probability of dropping, as in PyTorch)."""
import numpy as np

from autograder.drawn import search
from autograder.optimization.hidden.judging import (
    Part, call_drawn, changed_arguments, compare, parts_of, plain, precision, result_dtype,
    type_problem,
)
from autograder.optimization.hidden.space import SPACES
from autograder.optimization.public import all_of, as_numpy, assert_close, assert_raises, call, invoke

SHAPE = (400, 500)


def _mask_problems(mask, shape, p, float64=True) -> list[str]:
    """A mask's type, shape, float64 dtype (dropout_mask's; dropout_forward's mask may have
    another float dtype) and values (0 or 1 / (1 - p); p = 1: zeros)."""
    wrong_type = type_problem(mask, "array")
    if wrong_type:
        return [f"mask {wrong_type}"]
    problems = []
    if mask.shape != tuple(shape):
        return [f"mask: expected shape {tuple(shape)}, got {mask.shape}"]
    if float64 and mask.dtype != np.float64:
        problems.append(f"mask is {mask.dtype}, expected float64 (SPEC: the mask is float64)")
    p = float(p)
    allowed = [0.0] if p == 1 else [1.0] if p == 0 else [0.0, 1.0 / (1.0 - p)]
    stray = ~np.any([np.isclose(mask, v, rtol=1e-6, atol=0) for v in allowed], axis=0)
    if mask.size and stray.any():
        values = np.unique(mask[stray])[:3]
        problems.append(f"mask: {int(stray.sum())} of {mask.size} entries are neither 0 nor "
                        f"1 / (1 - p) = {allowed[-1]:.6g} (p = {p:.6g}; p = 0 keeps everything, "
                        f"p = 1 drops everything), e.g. {values}")
    return problems


def _raise(drawn, problems):
    if problems:
        raise AssertionError(f"{drawn}:\n  " + "\n  ".join(problems))


def judge_mask(dropout_mask, drawn, conventions=False):
    """A drawn mask: an array of the requested shape, float64, values 0 or 1 / (1 - p)."""
    mask, _ = call_drawn(dropout_mask, drawn)
    _raise(drawn, _mask_problems(mask, drawn["shape"], drawn["p"]))


def judge_forward(dropout_forward, drawn, conventions=False):
    """Training: (out, mask) with a valid mask of x's shape and out = x * mask; evaluation:
    (x, None). With ``conventions``: out in x's float dtype (float64 for integers and
    lists), x untouched."""
    result, after = call_drawn(dropout_forward, drawn)
    try:
        out, mask = parts_of(result, (Part("out"), Part("mask"))).values()
    except AssertionError as e:
        raise AssertionError(f"{drawn} {e}") from None
    x = plain(drawn["x"])
    problems = []
    if not drawn["training"]:
        if mask is not None:
            problems.append(f"mask should be None in evaluation, got {type(mask).__name__}")
        expected = x
    else:
        problems += _mask_problems(mask, x.shape, drawn["p"], float64=False)
        expected = x * as_numpy(mask) if not problems else None
    returned_x = not drawn["training"] and isinstance(out, list) and out == drawn["x"]
    wrong_type = None if returned_x else type_problem(out, "array")
    if wrong_type:
        problems.append(f"out {wrong_type}")
    elif expected is not None:
        want = result_dtype(drawn["x"]) if drawn["training"] else np.asarray(drawn["x"]).dtype
        if conventions and as_numpy(out).dtype != want:
            problems.append(f"out is {as_numpy(out).dtype}, expected {want} (in training out "
                            f"has x's float dtype, float64 for integers; in evaluation out is x)")
        try:
            compare("out = x * mask" if drawn["training"] else "out = x", out, expected,
                    precision(drawn, want))
        except AssertionError as e:
            problems.append(str(e))
    if conventions and changed_arguments(drawn, after):
        problems.append("modified x in place: compute out = x * mask as a new array")
    _raise(drawn, problems)


def judge_backward(dropout_backward, drawn, conventions=False):
    """dx = dout * mask in dout's float dtype; with mask None, dout itself."""
    dx, after = call_drawn(dropout_backward, drawn)
    dout, mask = plain(drawn["dout"]), plain(drawn["mask"])
    problems = []
    identity = mask is None and isinstance(dx, list) and dx == drawn["dout"]
    wrong_type = None if identity else type_problem(dx, "array")
    if wrong_type:
        problems.append(f"dx {wrong_type}")
    elif not identity:
        want = result_dtype(drawn["dout"])
        if conventions and dx.dtype != want:
            problems.append(f"dx is {dx.dtype}, expected {want} (dout decides: its float dtype, "
                            f"float64 for lists)")
        try:
            compare("dx", dx, dout if mask is None else dout * mask, precision(drawn, want))
        except AssertionError as e:
            problems.append(str(e))
    if conventions and changed_arguments(drawn, after):
        problems.append(f"modified {', '.join(changed_arguments(drawn, after))} in place")
    _raise(drawn, problems)


def mask_drops_p_and_scales_survivors(dropout_mask):
    """A fraction p of the mask is 0, the rest is exactly 1 / (1 - p), float64."""
    def one(seed, p):
        mask = as_numpy(call(dropout_mask, SHAPE, p, rng=np.random.default_rng(seed)))
        what = f"dropout_mask({SHAPE}, p={p}, rng=rng)"
        assert mask.shape == SHAPE, f"{what}: shape should be {SHAPE}, got {mask.shape}"
        all_of(lambda: _float64(mask, what), lambda: _drop_rate(mask, p, what))
    all_of(*(lambda seed=seed, p=p: one(seed, p) for seed, p in enumerate((0.2, 0.5, 0.8))))


def _float64(mask, what):
    assert mask.dtype == np.float64, f"{what}: the mask should be float64 (SPEC), got {mask.dtype}"


def _drop_rate(mask, p, what):
    """A fraction p (within 0.01) is 0; every other entry is 1 / (1 - p)."""
    dropped = np.mean(mask == 0)
    assert abs(dropped - p) < 0.01, (
        f"{what}: {dropped:.1%} of the entries are 0, expected {p:.0%} (p is the probability "
        f"of dropping a unit)")
    kept = np.unique(mask[mask != 0])
    assert np.allclose(kept, 1 / (1 - p)), (
        f"{what}: kept entries should all be 1 / (1 - p) = {1 / (1 - p):.4g}, got values "
        f"from {kept.min():.4g} to {kept.max():.4g}")


# Acceptance regions of chi-square statistics with k degrees of freedom, 1e-7 in each tail
# (regularized incomplete gamma): a correct mask fails one with probability below 1e-6.
CHI2_BOUNDS = {200: (112.7, 321.9), 100: (42.9, 191.6), 40: (9.2, 104.9)}


def _dispersion(counts, trials, p) -> float:
    """sum((count - trials p)^2) / (trials p (1 - p)): chi-square with len(counts) degrees
    of freedom when every count is Binomial(trials, p), independently."""
    counts = np.asarray(counts, dtype=np.float64)
    return float(np.sum((counts - trials * p) ** 2) / (trials * p * (1 - p)))


def mask_entries_are_independent(dropout_mask):
    """Every entry drops independently: in a (200, 100) mask with p = 0.3 the drops per row
    and per column spread like Binomial counts (a mask per feature or per sample, an exact
    count per row, neighbours repeated: the dispersion is ~0 or >= 2x its expectation,
    rejected with certainty); over 40 masks of 100 entries the number of drops varies as
    Binomial(100, 0.3) does (an exact count per mask gives dispersion 0, rejected). A
    correct mask fails with probability below 1e-6 (CHI2_BOUNDS)."""
    p, (rows, cols) = 0.3, (200, 100)
    what = f"dropout_mask(({rows}, {cols}), p={p}, rng=rng)"
    mask = as_numpy(call(dropout_mask, (rows, cols), p, rng=np.random.default_rng(41)))
    assert mask.shape == (rows, cols), f"{what}: shape should be {(rows, cols)}, got {mask.shape}"
    dropped = mask == 0

    def spread(counts, trials, along):
        low, high = CHI2_BOUNDS[len(counts)]
        d = _dispersion(counts, trials, p)
        assert low <= d <= high, (
            f"{what}: the drops per {along} do not vary like independent draws (dispersion "
            f"{d:.3g}, expected {len(counts)} and within [{low}, {high}]): draw every entry "
            f"independently, e.g. rng.random(shape) >= p; a drop count of "
            f"{'min %d, max %d' % (min(counts), max(counts))}")

    def totals():
        counts = [int(np.sum(as_numpy(call(dropout_mask, (10, 10), p,
                                            rng=np.random.default_rng(100 + k))) == 0))
                  for k in range(40)]
        spread_ok = CHI2_BOUNDS[40][0] <= _dispersion(counts, 100, p) <= CHI2_BOUNDS[40][1]
        assert spread_ok, (
            f"dropout_mask((10, 10), p={p}, rng=rng) with 40 seeds: the number of drops per "
            f"mask should vary like Binomial(100, {p}) (each entry drops independently), got "
            f"counts from {min(counts)} to {max(counts)}")
    all_of(lambda: spread(dropped.sum(axis=1), cols, "row"),
           lambda: spread(dropped.sum(axis=0), rows, "column"), totals)


def mask_edge_cases(dropout_mask):
    """Drawn shapes (empty and 3-D ones included) and p in [0, 1]: the requested shape,
    float64, values 0 or 1 / (1 - p); p = 0 all ones, p = 1 all zeros (no nan), also for a
    numpy-scalar p and rng=None; p outside [0, 1] raises ValueError."""
    space = SPACES["dropout_mask"]
    search("q3.dropout_mask", space.every, lambda d: judge_mask(dropout_mask, d),
           space.math_edges + space.form_edges)
    for p in (-0.1, 1.5):
        assert_raises(ValueError, f"dropout_mask with p={p}", dropout_mask, (2, 2), p)


def forward_applies_the_mask(dropout_forward):
    """Training: out = x * mask in x's dtype, drop rate p; x untouched; bad p raises (one
    large x: its statistics also let the diagnosis tell mistakes apart)."""
    x = np.random.default_rng(4).normal(size=(300, 200)).astype(np.float32)
    x0 = x.copy()
    out, mask = invoke(dropout_forward, (x, 0.3), {"training": True, "rng": np.random.default_rng(5)},
                       copy=False)
    out, mask = as_numpy(out), as_numpy(mask)
    what = "dropout_forward(x, p=0.3, training=True, rng=rng) with x of shape (300, 200) float32"

    def dtype():
        assert out.dtype == np.float32, f"{what}: out should keep x's dtype float32, got {out.dtype}"

    def untouched():
        assert np.array_equal(x, x0), f"{what} modified x in place"

    def bad_p():
        for p in (-0.5, 2.0):
            assert_raises(ValueError, f"dropout_forward(x, p={p})", dropout_forward, x.copy(), p)
    all_of(untouched, dtype, lambda: assert_close(out, x0 * mask, f"{what}: out = x * mask"),
           lambda: _drop_rate(mask, 0.3, f"{what}: the returned mask"), bad_p)


def forward_edge_probabilities(dropout_forward):
    """Training with p=0 keeps x as it is, p=1 gives all zeros (no nan from 0 / 0);
    evaluation with p=1 is still the identity; and on drawn x (every shape, empty included)
    and p in [0, 1], both modes: a valid mask of x's shape and out = x * mask."""
    space = SPACES["dropout_forward"]
    search("q3.dropout_forward", space.math, lambda d: judge_forward(dropout_forward, d),
           space.math_edges)
    x = np.random.default_rng(9).normal(size=(20, 10))
    for p, expected, what in ((0.0, x, "out equals x"), (1.0, np.zeros_like(x), "out is all zeros")):
        out, _ = call(dropout_forward, x, p, True, np.random.default_rng(10))
        assert_close(out, expected, f"dropout_forward(x, p={p}, training=True): {what}")
    out, mask = call(dropout_forward, x, 1.0, False)
    assert mask is None, "dropout_forward(x, p=1.0, training=False): the mask should be None"
    assert_close(out, x, "dropout_forward(x, p=1.0, training=False): out should equal x")


def evaluation_is_identity(dropout_forward):
    """Evaluation: out equals x and mask is None, for any p."""
    x = np.random.default_rng(6).normal(size=(7, 9))
    for p in (0.0, 0.5, 0.9, 1.0):
        out, mask = call(dropout_forward, x, p, training=False)
        what = f"dropout_forward(x, p={p}, training=False)"
        all_of(lambda: _is_none(mask, what), lambda: assert_close(out, x, f"{what}: out should equal x"))


def _is_none(mask, what):
    assert mask is None, f"{what}: the mask should be None in evaluation, got {type(mask).__name__}"


def backward_multiplies_by_the_mask(dropout_backward):
    """dx = dout * mask in dout's dtype; mask None passes dout through; and on drawn dout
    (every shape, empty included) and masks."""
    rng = np.random.default_rng(8)
    dout = rng.normal(size=(50, 40)).astype(np.float32)
    mask = (rng.random((50, 40)) >= 0.25) / 0.75
    dx = as_numpy(call(dropout_backward, dout, mask))
    what = "dropout_backward(dout, mask) with dout float32 and a float64 mask"

    def dtype():
        assert dx.dtype == np.float32, f"{what}: dx should have dout's dtype float32 (dout decides), got {dx.dtype}"
    space = SPACES["dropout_backward"]
    all_of(dtype, lambda: assert_close(dx, dout * mask, f"{what}: dx = dout * mask"),
           lambda: assert_close(call(dropout_backward, dout, None), dout,
                                "dropout_backward(dout, None): dx should equal dout"),
           lambda: search("q3.dropout_backward", space.math,
                          lambda d: judge_backward(dropout_backward, d), space.math_edges))


def randomness_comes_from_rng(dropout_mask, dropout_forward):
    """The same rng seed gives the same mask, another seed another mask; rng=None gives a
    fresh mask on every call, in dropout_mask and in dropout_forward."""
    first = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(21)))
    again = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(21)))
    other = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(22)))
    assert first.shape == (30, 30), "dropout_mask should return an array of the given shape"
    assert np.array_equal(first, again), "dropout_mask must draw its randomness from `rng` only"
    assert not np.array_equal(first, other), "different rng seeds should give different masks"
    x = np.ones((30, 30))
    for what, draw in (("dropout_mask((30, 30), p=0.5)", lambda: call(dropout_mask, (30, 30), 0.5)),
                       ("dropout_forward(x, p=0.5) with x of shape (30, 30)",
                        lambda: call(dropout_forward, x, 0.5)[1])):
        assert not np.array_equal(as_numpy(draw()), as_numpy(draw())), (
            f"{what} with rng=None gave the same mask twice: rng=None means a fresh "
            f"np.random.default_rng(), not a fixed seed")
