"""autograder/compare.py on generated pairs: each relation it names is named for values
built with that relation (and says the right factor, rows, positions), and nothing is said
for equal values or for unrelated random values."""
import re

import numpy as np
import torch
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from autograder import compare
from autograder.compare import changed, describe, equal, summary, values_of

EXAMPLES = settings(max_examples=80)   # on top of the suite's reproducible profile (conftest)

MAGNITUDE = st.floats(0.5, 100.0)
ENTRY = st.tuples(st.booleans(), MAGNITUDE).map(lambda t: t[1] if t[0] else -t[1])


@st.composite
def arrays(draw, min_dims=1, max_dims=3, min_side=2, max_side=6):
    """float64 arrays of distinct entries, at least 1e-3 apart (a relation that holds is
    then the only simple one)."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                  max_side=max_side))
    values = draw(hnp.arrays(np.float64, shape, elements=ENTRY, unique=True))
    assume(values.size < 2 or np.diff(np.sort(values.ravel())).min() > 1e-3)
    return values


def random_values(seed, shape, scale=1.0):
    return np.random.default_rng(seed).normal(size=shape) * scale


SEEDS = st.integers(0, 2**32 - 1)


def collinear(a, b):
    c = (a * b).sum() / (b * b).sum()
    return np.allclose(a, c * b, rtol=1e-6, atol=1e-6 * np.abs(b).max())


# ----------------------------------------------------------------------------- nothing said
@EXAMPLES
@given(arrays(min_dims=0), st.floats(-1e-9, 1e-9))
def test_equal_values_get_no_description(e, noise):
    assert describe(e.copy(), e) is None and describe(e * (1 + noise), e) is None
    assert describe(values_of(e.astype(np.float32).tolist()), values_of(e)) is None
    assert describe(e.tolist(), e.tolist()) is None
    assert describe(torch.tensor(e), torch.tensor(e)) is None
    assert describe((e, None), (e.copy(), None)) is None
    assert describe({"a": e, "b": 1.0}, {"a": e.copy(), "b": np.float64(1.0)}) is None
    assert equal(e.copy(), e)


@EXAMPLES
@given(SEEDS, SEEDS, hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
       st.floats(1e-3, 1e3))
def test_unrelated_random_values_get_no_description(seed_a, seed_b, shape, scale):
    assume(seed_a != seed_b)
    a, b = random_values(seed_a, shape, scale), random_values(seed_b, shape, scale)
    assert describe(a, b) is None
    assert describe(float(a.ravel()[0]), float(b.ravel()[0])) is None
    as_float32 = (torch.tensor(v, dtype=torch.float32) for v in (a, b))
    assert describe(*as_float32) is None


# ----------------------------------------------------------------------------- relations
def _number_in(text):
    return float(re.search(r"(-?[\d.]+(?:e[-+]?\d+)?) times", text).group(1))


@EXAMPLES
@given(arrays(), st.floats(-50, 50))
def test_a_constant_factor(e, c):
    assume(abs(c) > 0.01 and abs(c - 1) > 0.01 and abs(c + 1) > 0.01)
    text = describe(c * e, e)
    divisor = re.search(r"divided by (-?\d+)", text)
    found = 1 / int(divisor.group(1)) if divisor else _number_in(text)
    assert abs(found - c) <= 1e-3 * abs(c), text


@EXAMPLES
@given(arrays(min_dims=0), st.integers(2, 1000))
def test_a_whole_factor_of_a_scalar_or_array(e, k):
    assert describe(k * e, e) == f"{k} times the expected value{'s' * (e.ndim > 0)}"
    assert describe(e / k, e) == f"the expected value{'s' * (e.ndim > 0)} divided by {k}"


@EXAMPLES
@given(arrays(min_dims=0))
def test_a_sign(e):
    assert "with the sign flipped" in describe(-e, e)


@EXAMPLES
@given(arrays(), st.floats(0.01, 50), st.booleans())
def test_a_constant_added(e, d, negative):
    d = -d if negative else d
    text = describe(e + d, e)
    assert text.startswith(f"the expected values {'minus' if negative else 'plus'} "), text
    assert abs(float(text.split()[4]) - abs(d)) <= 1e-3 * abs(d), text


@EXAMPLES
@given(arrays(min_dims=0).map(np.round), st.sampled_from([-1, 1]))
def test_off_by_one(e, d):
    assume(np.abs(e).min() >= 3)   # else (e + d) / e may be a whole factor too (-2 = 2 x -1)
    assert "(off by one)" in describe(e + d, e)
    assert "(off by one)" in describe(int(e.ravel()[0]) + d, int(e.ravel()[0]))


@EXAMPLES
@given(arrays(min_dims=2, max_dims=2))
def test_a_transpose(e):
    assume(e.shape[0] != e.shape[1] or not np.allclose(e, e.T))
    assert describe(e.T.copy(), e) == "the transpose of the expected values"


@EXAMPLES
@given(arrays(min_dims=3, max_dims=3), st.permutations([0, 1, 2]))
def test_other_axes(e, axes):
    axes = tuple(axes)
    assume(axes != (0, 1, 2))
    text = describe(e.transpose(axes).copy(), e)
    assert "with their axes in the order" in text or "transpose" in text, text


@EXAMPLES
@given(arrays(), st.data())
def test_reversed_along_an_axis(e, data):
    axis = data.draw(st.integers(0, e.ndim - 1))
    assume(not collinear(np.flip(e, axis), e))   # [-1, 1] reversed is also -1 times it
    text = describe(np.flip(e, axis).copy(), e)
    assert "in reverse order" in text and (e.ndim == 1 or f"axis {axis}" in text), text


@EXAMPLES
@given(arrays(min_side=3), st.data(), ENTRY, st.booleans())
def test_a_shift_by_one(e, data, new, backwards):
    axis = data.draw(st.integers(0, e.ndim - 1))
    moved = np.roll(e, -1 if backwards else 1, axis=axis)
    edge = [slice(None)] * e.ndim
    edge[axis] = -1 if backwards else 0
    moved[tuple(edge)] = new + 1000          # the entry shifted in is a new value
    text = describe(moved, e)
    assert "shifted by one position" in text and f"i {'+' if backwards else '-'} 1" in text, text
    assert e.ndim == 1 or f"axis {axis}" in text, text


@EXAMPLES
@given(arrays(min_dims=2, max_dims=2, min_side=3), st.data())
def test_only_some_rows(e, data):
    rows = sorted(data.draw(st.sets(st.integers(0, e.shape[0] - 1), min_size=1,
                                    max_size=(e.shape[0] - 1) // 2)))
    o = e.copy()
    o[rows] += 1 + np.abs(o[rows])
    text = describe(o, e)
    assert text == f"the expected values except in {len(rows)} of {e.shape[0]} rows (rows " \
                   f"{', '.join(map(str, rows[:6]))}{', ...' if len(rows) > 6 else ''})", text


@EXAMPLES
@given(arrays(max_dims=1, min_side=3), st.data())
def test_only_some_entries(e, data):
    where = sorted(data.draw(st.sets(st.integers(0, e.size - 1), min_size=1,
                                     max_size=(e.size - 1) // 2)))
    o = e.copy()
    o[where] += 1 + np.abs(o[where])
    assert describe(o, e) == f"the expected values except at {len(where)} of {e.size} entries " \
                             f"(the first at index {where[0]})"


@EXAMPLES
@given(arrays(min_dims=0), st.data(), st.sampled_from([np.nan, np.inf, -np.inf]))
def test_nan_or_inf_where_finite(e, data, bad):
    o = e.copy()
    count = data.draw(st.integers(1, e.size))
    o.ravel()[:count] = bad
    text = describe(o, e)
    kind = "NaN" if np.isnan(bad) else "inf"
    assert text.startswith(kind), text
    assert e.ndim == 0 or f"in {count} of {e.size} entries" in text, text


@EXAMPLES
@given(arrays(min_dims=0))
def test_only_the_dtype(e):
    assert describe(e.astype(np.float32), e) == \
        f"the expected value{'s' * (e.ndim > 0)} in float32 instead of float64"


def shapes_of(size):
    """Every shape of 1 to 3 axes holding ``size`` entries."""
    divisors = [k for k in range(1, size + 1) if size % k == 0]
    return [(size,)] + [(k, size // k) for k in divisors] + \
        [(i, j, size // (i * j)) for i in divisors for j in divisors if size % (i * j) == 0]


@EXAMPLES
@given(arrays(max_dims=2), st.data())
def test_only_the_shape(e, data):
    others = [s for s in shapes_of(e.size) if s != e.shape and s != e.shape[::-1]]
    assume(others)
    shape = data.draw(st.sampled_from(others))
    assert describe(e.reshape(shape), e) == f"the expected values in shape {shape} instead of " \
                                            f"{e.shape}"


@EXAMPLES
@given(arrays(min_dims=1, max_dims=1))
def test_only_the_type(e):
    assert describe(e.tolist(), e) == "a list instead of a numpy array holding the expected values"
    assert describe(torch.tensor(e), e).startswith("a tensor instead of a numpy array")
    assert describe(torch.tensor(e[0]), float(e[0])) == \
        "a 0-d tensor instead of a float holding the expected value"


@EXAMPLES
@given(arrays(min_dims=1, max_dims=1))
def test_not_reduced(e):
    assert describe(e, e.mean()) == f"values of shape {e.shape} instead of () whose mean is the " \
                                    "expected value (not reduced)"
    assert describe(e, e.sum()).endswith("whose sum is the expected value (not reduced)")
    assert describe(e.sum(), e) == f"values of shape () instead of {e.shape}: the sum of the " \
                                   "expected values"


@EXAMPLES
@given(arrays(min_dims=0))
def test_none_and_items_and_keys(e):
    assert describe(None, e) == f"None instead of {summary(e)}"
    assert describe((e, 2 * e), (e, e)).startswith("a tuple whose item 1 is 2 times the expected")
    assert describe([e, e, None], [e, e]) == "3 items instead of 2"
    assert describe({"w": e}, {"w": e, "v": e}) == "a dict with no key 'v'"


@EXAMPLES
@given(arrays(min_dims=0), st.integers(2, 9))
def test_an_input_changed_in_place(e, k):
    assert changed(e, e.copy(), "x") is None
    assert changed(e, k * e, "x") == f"changes x in place: x is now {k} times its value" \
                                     f"{'s' * (e.ndim > 0)} before the call"


def test_summary_names_kind_shape_and_dtype_never_entries():
    assert summary(np.zeros((8,))) == "an array of shape (8,) float64"
    assert summary(torch.zeros(())) == "a 0-d tensor float32"
    assert summary(0.123) == "a float" and "0.123" not in summary([0.123, 0.5])
    assert summary((np.zeros(3), None)) == "a tuple (an array of shape (3,) float64, None)"
    assert summary(None) == "None" and summary(np.float32(1)) == "a numpy float32"


def test_the_tolerance_is_that_of_the_narrowest_float_in_the_computation():
    half, single = np.ones(2, np.float16), np.ones(2, np.float32)
    assert compare.tolerance(half, 1.0) == 1e-2
    assert compare.tolerance(([single],), {"x": np.ones(2)}) == 1e-4
    assert compare.tolerance(3, [1.0, 2.0], None, "text") == 1e-6
    z = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    e32 = np.exp(z - z.max(1, keepdims=True))
    observed = e32 / e32.sum(1, keepdims=True)               # computed in float32
    e64 = np.exp(z.astype(np.float64) - z.max(1, keepdims=True))
    expected = e64 / e64.sum(1, keepdims=True)               # the same formula in float64
    values = compare.values_of(observed), compare.values_of(expected)
    assert compare.describe(*values, compare.tolerance(z, observed, expected)) is None
    assert compare.describe(values[0] * 2, values[1], compare.tolerance(z)) == \
        "2 times the expected values"
