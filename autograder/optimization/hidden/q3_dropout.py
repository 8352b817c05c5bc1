"""Hidden checks of Q3, inverted dropout (p = probability of dropping, as in PyTorch)."""
import numpy as np

from autograder.optimization.public import all_of, as_numpy, assert_close, assert_raises, call, invoke

SHAPE = (400, 500)


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


def mask_edge_cases(dropout_mask):
    """p=0 keeps all (ones), p=1 drops all (zeros, no nan), p outside [0, 1] raises."""
    assert_close(dropout_mask((3, 4), 0.0), np.ones((3, 4)), "mask with p=0")
    full = as_numpy(dropout_mask((3, 4), 1.0))
    assert full.shape == (3, 4) and np.all(full == 0), "with p=1 the mask must be all zeros"
    for p in (-0.1, 1.5):
        assert_raises(ValueError, f"dropout_mask with p={p}", dropout_mask, (2, 2), p)


def forward_applies_the_mask(dropout_forward):
    """Training: out = x * mask in x's dtype, drop rate p; x untouched; bad p raises."""
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
    """Training with p=0 keeps x as it is, p=1 gives all zeros (no nan from 0 / 0)."""
    x = np.random.default_rng(9).normal(size=(20, 10))
    for p, expected, what in ((0.0, x, "out equals x"), (1.0, np.zeros_like(x), "out is all zeros")):
        out, _ = call(dropout_forward, x, p, True, np.random.default_rng(10))
        assert_close(out, expected, f"dropout_forward(x, p={p}, training=True): {what}")


def evaluation_is_identity(dropout_forward):
    """Evaluation: out equals x and mask is None, for any p."""
    x = np.random.default_rng(6).normal(size=(7, 9))
    for p in (0.0, 0.5, 0.9):
        out, mask = call(dropout_forward, x, p, training=False)
        what = f"dropout_forward(x, p={p}, training=False)"
        all_of(lambda: _is_none(mask, what), lambda: assert_close(out, x, f"{what}: out should equal x"))


def _is_none(mask, what):
    assert mask is None, f"{what}: the mask should be None in evaluation, got {type(mask).__name__}"


def backward_multiplies_by_the_mask(dropout_backward):
    """dx = dout * mask in dout's dtype; mask None passes dout through."""
    rng = np.random.default_rng(8)
    dout = rng.normal(size=(50, 40)).astype(np.float32)
    mask = (rng.random((50, 40)) >= 0.25) / 0.75
    dx = as_numpy(call(dropout_backward, dout, mask))
    what = "dropout_backward(dout, mask) with dout float32 and a float64 mask"

    def dtype():
        assert dx.dtype == np.float32, f"{what}: dx should have dout's dtype float32 (dout decides), got {dx.dtype}"
    all_of(dtype, lambda: assert_close(dx, dout * mask, f"{what}: dx = dout * mask"),
           lambda: assert_close(call(dropout_backward, dout, None), dout,
                                "dropout_backward(dout, None): dx should equal dout"))


def randomness_comes_from_rng(dropout_mask):
    """The same rng seed gives the same mask, another seed another mask."""
    first = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(21)))
    again = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(21)))
    other = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(22)))
    assert first.shape == (30, 30), "dropout_mask should return an array of the given shape"
    assert np.array_equal(first, again), "dropout_mask must draw its randomness from `rng` only"
    assert not np.array_equal(first, other), "different rng seeds should give different masks"
