"""Hidden checks of Q3, inverted dropout (p = probability of dropping, as in PyTorch)."""
import numpy as np

from autograder.optimization.public import as_numpy, assert_close, assert_raises, call

SHAPE = (400, 500)


def mask_drops_p_and_scales_survivors(dropout_mask):
    """A fraction p of the mask is 0, the rest is exactly 1 / (1 - p), float64."""
    for seed, p in enumerate((0.2, 0.5, 0.8)):
        mask = as_numpy(dropout_mask(SHAPE, p, rng=np.random.default_rng(seed)))
        assert mask.shape == SHAPE, f"mask shape should be {SHAPE}, got {mask.shape}"
        assert mask.dtype == np.float64, f"the mask should be float64, got {mask.dtype}"
        dropped = np.mean(mask == 0)
        assert abs(dropped - p) < 0.01, f"p={p}: {dropped:.3f} of the units were dropped"
        assert np.allclose(mask[mask != 0], 1 / (1 - p)), (
            f"p={p}: kept units must be scaled by 1 / (1 - p)")


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
    out, mask = dropout_forward(x, 0.3, training=True, rng=np.random.default_rng(5))
    out, mask = as_numpy(out), as_numpy(mask)
    assert np.array_equal(x, x0), "dropout_forward modified x in place"
    assert out.dtype == np.float32, f"out should keep x's dtype float32, got {out.dtype}"
    assert_close(out, x * mask, "out = x * mask")
    assert abs(np.mean(mask == 0) - 0.3) < 0.01, "with p=0.3 about 30% of the units must be dropped"
    assert np.allclose(mask[mask != 0], 1 / 0.7), "kept units must be scaled by 1 / (1 - p)"
    for p in (-0.5, 2.0):
        assert_raises(ValueError, f"dropout_forward with p={p}", dropout_forward, x, p)


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
        out, mask = dropout_forward(x, p, training=False)
        assert mask is None, "in evaluation the mask must be None"
        assert_close(out, x, f"evaluation output with p={p}")


def backward_multiplies_by_the_mask(dropout_backward):
    """dx = dout * mask in dout's dtype; mask None passes dout through."""
    rng = np.random.default_rng(8)
    dout = rng.normal(size=(50, 40)).astype(np.float32)
    mask = (rng.random((50, 40)) >= 0.25) / 0.75
    dx = as_numpy(dropout_backward(dout, mask))
    assert dx.dtype == np.float32, f"dx should keep dout's dtype float32, got {dx.dtype}"
    assert_close(dx, dout * mask, "dx = dout * mask")
    assert_close(dropout_backward(dout, None), dout, "dropout_backward with mask None")


def randomness_comes_from_rng(dropout_mask):
    """The same rng seed gives the same mask, another seed another mask."""
    first = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(21)))
    again = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(21)))
    other = as_numpy(dropout_mask((30, 30), 0.5, rng=np.random.default_rng(22)))
    assert first.shape == (30, 30), "dropout_mask should return an array of the given shape"
    assert np.array_equal(first, again), "dropout_mask must draw its randomness from `rng` only"
    assert not np.array_equal(first, other), "different rng seeds should give different masks"
