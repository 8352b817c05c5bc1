"""The input space of every function of the ``optimization`` assignment (docs/spec.md Q1-Q8),
as Hypothesis strategies of drawn calls.

Each function has one description, ``SPACES[name]``: ``math`` draws the inputs its formula is
judged on (float64 arrays of every shape the contract allows, edges included, over value
ranges that include the stability ranges; Python numbers as hyperparameters), ``forms`` the
same inputs in the other forms the conventions allow (float32, float16 and, where the prompt
names the rule, integer arrays; arrays as Python lists; numpy-scalar hyperparameters), and
the edges name the inputs tried on every run. Every rng is a seeded one (rng=None, whose
draws no regrade repeats, is judged by the randomness cases). Arrays are built from drawn
parameters (shape, seed, scale, offset), so that Hypothesis shrinks a counterexample to the
smallest shape, scale and seed that still fail. Every draw is an integer or a choice from a
list (Hypothesis spends a millisecond or more on each float or alternative it draws; the
grader draws hundreds of inputs per notebook), and every space has edges, so that an
unfinished stub fails on its first, already small, input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from autograder.drawn import show


@dataclass(frozen=True)
class Seeded:
    """An rng argument: ``np.random.default_rng(seed)``, made afresh for every call."""

    seed: int

    def __repr__(self) -> str:
        return f"np.random.default_rng({self.seed})"


@dataclass(frozen=True)
class Drawn:
    """One drawn call: ``function`` and its arguments by SPEC name, in SPEC order (an rng
    as Seeded or None). ``arguments()`` gives fresh copies for one call."""

    function: str
    values: tuple[tuple[str, Any], ...]
    note: str = ""   # what is special about this input ("a constant feature"), for messages

    def arguments(self) -> dict:
        return {name: _fresh(value) for name, value in self.values}

    def __getitem__(self, name):
        return dict(self.values)[name]

    def __str__(self) -> str:
        shown = f"{self.function}({', '.join(f'{k}={_shown(v)}' for k, v in self.values)})"
        return f"{shown} ({self.note})" if self.note else shown

    def _repr_pretty_(self, printer, cycle):
        """What Hypothesis prints of a failing input: the name only (messages show the rest;
        pretty-printing every array of every failing edge costs milliseconds)."""
        printer.text(f"Drawn({self.function})")


def _fresh(value):
    if isinstance(value, Seeded):
        return np.random.default_rng(value.seed)
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if hasattr(value, "clone"):
        return value.clone()
    return value


def _shown(value) -> str:
    return repr(value) if isinstance(value, Seeded) else show(value)


def drawn(function, note="", **values) -> Drawn:
    return Drawn(function, tuple(values.items()), note)


# ----------------------------------------------------------------------------- pieces
SEEDS = st.integers(0, 2**16)
RNGS = st.builds(Seeded, SEEDS)
FLOAT_FORMS = ("float64", "float32", "float16")
UNIT = tuple(np.round(np.linspace(0.01, 0.99, 33), 4))   # interior values of [0, 1]


def choice(edges, interior=()) -> SearchStrategy:
    """One of ``edges`` (Hypothesis shrinks towards the first) or of ``interior``."""
    return st.sampled_from(tuple(edges) + tuple(interior))


def normal(seed, shape, loc=0.0, scale=1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(loc, scale, size=shape)


def hyper(value, kinds=(float, np.float64, np.float32)):
    """A hyperparameter as a Python number or a numpy scalar of each kind."""
    return st.sampled_from(kinds).map(lambda kind: kind(value))


def integer(value, kinds=(int, np.int64, np.int32)):
    return hyper(value, kinds)


def as_form(array: np.ndarray, form: str):
    """``array`` (float64) in a form: a float dtype, "int64" (rounded) or "list"."""
    if form == "list":
        return array.tolist()
    if form == "int64":
        return np.round(array).astype(np.int64)
    return array.astype(form)


FORMS = ("float64", "float32", "list", "float16", "float32 numpy")
"""The forms of an edge, in the order the conventions case tries them: a plain form first, so
that a function failing only with numpy-scalar hyperparameters is told from one failing
with float32 arrays alone (the diagnosis replays the calls up to the first failure)."""


def in_forms(edge: Drawn, *forms: str) -> tuple[Drawn, ...]:
    """``edge`` in each form: "list" (every array a list), a float dtype for its float
    arrays, "<dtype> numpy": also its Python-number hyperparameters as numpy scalars."""
    def one(form):
        dtype, _, numpy = form.partition(" ")

        def convert(value):
            if isinstance(value, np.ndarray):
                return value.tolist() if dtype == "list" else \
                    value.astype(dtype) if value.dtype.kind == "f" else value
            if numpy and isinstance(value, (int, float)) and not isinstance(value, bool):
                return (np.int64 if isinstance(value, int) else np.float64)(value)
            return value
        values = tuple((k, convert(v)) for k, v in edge.values)
        scalars = any(isinstance(v, np.generic) for _, v in values)
        note = "lists" if dtype == "list" else f"{dtype} arrays" + (
            ", numpy-scalar hyperparameters" if scalars else "")
        return Drawn(edge.function, values, note)
    return tuple(one(form) for form in forms)


ARRAY_FORMS = st.sampled_from(FLOAT_FORMS + ("list",))
"""The form of the arrays of one call, all alike: a float dtype or Python lists."""
ARRAY_FORMS_WITH_INTEGERS = st.sampled_from(FLOAT_FORMS + ("int64", "list"))
"""The same, integer arrays included (the conventions: integers give float64 results)."""


# ----------------------------------------------------------------------------- spaces
@dataclass(frozen=True)
class Space:
    """The inputs of one function: ``math`` and ``forms`` strategies of Drawn (built once:
    Hypothesis caches what it learns about a strategy on the object), the named ``edges``
    (Drawn) of each, tried on every run; ``every``: math or forms."""

    math: SearchStrategy[Drawn]
    forms: SearchStrategy[Drawn]
    math_edges: tuple[Drawn, ...] = field(default=())
    form_edges: tuple[Drawn, ...] = field(default=())

    @cached_property
    def every(self) -> SearchStrategy[Drawn]:
        return self.math | self.forms


# Q1 ------------------------------------------------------------------------------------
def _dataset(n, feature_shape, label_columns, seed):
    """X with distinct rows (so that any reordering shows), y of shape (N,) or (N, k)."""
    X = np.arange(n * int(np.prod(feature_shape)), dtype=np.float64).reshape(n, *feature_shape)
    X = X + normal(seed, X.shape, scale=0.01)
    y = np.arange(n)[:, None] * 10 + np.arange(label_columns or 1)
    return X, (y[:, 0] if label_columns == 0 else y)


@st.composite
def _minibatch_call(draw, containers=("array", "tensor"), forms=False, shuffle=None):
    n = draw(st.integers(0, 40))
    feature_shape, label_columns = draw(st.sampled_from(
        [((2,), 0), ((), 0), ((1,), 1), ((3,), 3), ((2, 3), 0)]))
    X, y = _dataset(n, feature_shape, label_columns, draw(SEEDS))
    batch_size = draw(st.integers(1, n + 3))
    shuffle = draw(st.booleans()) if shuffle is None else shuffle
    rng = draw(RNGS) if shuffle else None
    container = draw(st.sampled_from(containers))
    if forms:
        X = as_form(X, draw(st.sampled_from(FLOAT_FORMS + ("int64", "int32"))))
        y = y.astype(draw(st.sampled_from(("int64", "int32", "float32"))))
        batch_size = draw(integer(batch_size))
    if container == "tensor":
        import torch
        X, y = torch.as_tensor(X), torch.as_tensor(y)
    elif container == "list":
        X, y = X.tolist(), y.tolist()
    return drawn("minibatches", X=X, y=y, batch_size=batch_size, shuffle=shuffle, rng=rng)


def _minibatch_edge(n, batch_size, note, **kw):
    X, y = _dataset(n, (2,), 0, 0)
    return drawn("minibatches", note, X=X, y=y, batch_size=batch_size,
                 shuffle=kw.get("shuffle", False), rng=kw.get("rng"))


EPOCHS = {shuffle: _minibatch_call(shuffle=shuffle) for shuffle in (False, True)}
"""minibatches' calls with shuffle False or True (a seeded rng) on arrays and tensors."""

MINIBATCHES = Space(
    _minibatch_call(), _minibatch_call(("array", "list"), forms=True),
    math_edges=(_minibatch_edge(7, 3, "a smaller last batch"), _minibatch_edge(0, 3, "no data"),
                _minibatch_edge(1, 4, "one sample"), _minibatch_edge(5, 9, "batch_size > N"),
                _minibatch_edge(6, 4, "shuffled", shuffle=True, rng=Seeded(1))),
    form_edges=(_minibatch_edge(6, 4, "shuffled arrays", shuffle=True, rng=Seeded(2)),
                drawn("minibatches", "lists", X=[[0.5, 1.0], [2.0, 3.0], [4.0, 5.0]],
                      y=[1, 2, 3], batch_size=2, shuffle=True, rng=Seeded(2)),
                drawn("minibatches", "labels with 2 columns, float32 X",
                      X=np.arange(8.0, dtype=np.float32).reshape(4, 2),
                      y=np.arange(8).reshape(4, 2), batch_size=np.int64(3), shuffle=False,
                      rng=None)))


# Q2 ------------------------------------------------------------------------------------
_LAYER_SIZES = st.integers(1, 40)


@st.composite
def _init_call(draw, forms=False):
    sizes = {k: draw(_LAYER_SIZES) for k in ("n_in", "n_out")}
    if forms:
        sizes = {k: draw(integer(v)) for k, v in sizes.items()}
    return drawn("init_layer", **sizes, scheme=draw(st.sampled_from(["he", "zeros", "normal",
                                                                    "glorot"])),
                 rng=draw(RNGS))


INIT_LAYER = Space(
    _init_call(), _init_call(forms=True),
    math_edges=(drawn("init_layer", n_in=3, n_out=2, scheme="he", rng=Seeded(0)),
                drawn("init_layer", "one unit", n_in=1, n_out=1, scheme="glorot", rng=Seeded(1))),
    form_edges=(drawn("init_layer", "numpy-integer sizes", n_in=np.int64(4),
                      n_out=np.int32(2), scheme="normal", rng=Seeded(2)),))


# Q3 ------------------------------------------------------------------------------------
_SHAPES = st.sampled_from([(3, 4), (5,), (0, 3), (1, 1), (2, 3, 2), (7, 2), (0,)])
_PROBABILITIES = choice([0.5, 0.0, 1.0], UNIT)


@st.composite
def _dropout_forward_call(draw, forms=False):
    shape, p, training = draw(_SHAPES), draw(_PROBABILITIES), draw(st.booleans())
    x = normal(draw(SEEDS), shape, scale=draw(st.sampled_from([1.0, 10.0, 1e3])))
    rng = draw(RNGS)
    if forms:
        x, p = as_form(x, draw(ARRAY_FORMS_WITH_INTEGERS)), draw(hyper(p))
    return drawn("dropout_forward", x=x, p=p, training=training, rng=rng)


@st.composite
def _dropout_backward_call(draw, forms=False):
    shape, p = draw(_SHAPES), draw(st.sampled_from([0.5, 0.0, 0.8]))
    seed = draw(SEEDS)
    dout = normal(seed, shape)
    mask = None if draw(st.booleans()) else (
        (np.random.default_rng(seed + 1).random(shape) >= p) / (1 - p))
    if forms:
        form = draw(ARRAY_FORMS)
        dout = as_form(dout, form)
        if mask is not None:
            mask = as_form(mask, form if form == "list" else draw(st.sampled_from(FLOAT_FORMS)))
    return drawn("dropout_backward", dout=dout, mask=mask)


@st.composite
def _dropout_mask_call(draw, forms=False):
    p = draw(_PROBABILITIES)
    return drawn("dropout_mask", shape=draw(_SHAPES), p=draw(hyper(p)) if forms else p,
                 rng=draw(RNGS))


DROPOUT_MASK = Space(
    _dropout_mask_call(), _dropout_mask_call(forms=True),
    math_edges=(drawn("dropout_mask", shape=(2, 3), p=0.5, rng=Seeded(0)),
                drawn("dropout_mask", "empty", shape=(0, 3), p=0.5, rng=Seeded(0)),
                drawn("dropout_mask", shape=(2, 3), p=1.0, rng=Seeded(0)),
                drawn("dropout_mask", shape=(1,), p=0.0, rng=Seeded(0))),
    form_edges=(drawn("dropout_mask", "a numpy-scalar p", shape=(3, 4), p=np.float32(0.25),
                      rng=Seeded(1)),))

DROPOUT_FORWARD = Space(
    _dropout_forward_call(), _dropout_forward_call(forms=True),
    math_edges=(drawn("dropout_forward", x=normal(3, (3, 4)), p=0.5, training=True, rng=Seeded(3)),
                drawn("dropout_forward", x=normal(0, (4, 3)), p=1.0, training=False, rng=Seeded(0)),
                drawn("dropout_forward", x=normal(1, (4, 3)), p=1.0, training=True, rng=Seeded(1)),
                drawn("dropout_forward", "empty", x=normal(2, (0, 5)), p=0.5, training=True,
                      rng=Seeded(2))),
    form_edges=(drawn("dropout_forward", "a list x", x=[[1.0, -2.0], [3.0, 4.0]], p=0.5,
                      training=True, rng=Seeded(5)),
                drawn("dropout_forward", "integer x", x=np.arange(12).reshape(3, 4), p=0.5,
                      training=True, rng=Seeded(3)),
                drawn("dropout_forward", "float16 x, a numpy-scalar p",
                      x=normal(4, (3, 4)).astype(np.float16), p=np.float64(0.3), training=True,
                      rng=Seeded(4))))

_DROPOUT_BACKWARD_EDGE = drawn("dropout_backward", dout=normal(0, (2, 3)),
                               mask=np.array([[2.0, 0.0, 2.0], [0.0, 0.0, 2.0]]))
DROPOUT_BACKWARD = Space(
    _dropout_backward_call(), _dropout_backward_call(forms=True),
    math_edges=(_DROPOUT_BACKWARD_EDGE,
                drawn("dropout_backward", "empty", dout=normal(0, (0, 3)), mask=np.ones((0, 3)))),
    form_edges=in_forms(_DROPOUT_BACKWARD_EDGE, *FORMS) + (
        drawn("dropout_backward", "float32 dout, float64 mask",
              dout=normal(1, (3, 4)).astype(np.float32),
              mask=np.where(normal(2, (3, 4)) > 0, 2.0, 0.0)),))


# Q4 ------------------------------------------------------------------------------------
_FEATURE_SCALES = (1.0, 0.0, 1e-2, 1e2)   # 0: a feature constant over the batch


_OFFSETS = {"float64": (0.0, 3.0, -1e3, 1e3), "float32": (0.0, 3.0), "float16": (0.0,)}


@st.composite
def _batchnorm_inputs(draw, min_n=2, dtype="float64"):
    """x (N, D) whose features have drawn offsets and scales (constant ones included), gamma,
    beta, running statistics. Offsets of 1e3 only in float64 (float32 keeps 4 digits of a
    deviation of 1 from 1000), scales up to 1 in float16 (its squares overflow beyond 256)."""
    n, d, seed = draw(st.integers(min_n, 12)), draw(st.integers(1, 5)), draw(SEEDS)
    loc = draw(st.sampled_from(_OFFSETS.get(dtype, _OFFSETS["float64"])))
    pattern = draw(st.integers(0, 4**5 - 1))   # one scale per feature, base-4 digits
    scales = np.array([_FEATURE_SCALES[pattern // 4**i % 4] for i in range(d)])
    scales = np.minimum(scales, 1.0) if dtype == "float16" else scales
    rng = np.random.default_rng(seed)
    x = loc + rng.normal(size=(n, d)) * scales
    return {"x": x, "gamma": rng.normal(1.0, 0.5, d), "beta": rng.normal(size=d),
            "running_mean": rng.normal(size=d), "running_var": rng.uniform(0.5, 2.0, d)}


_MOMENTA = choice([0.1, 0.0, 1.0], UNIT)
_BATCHNORM_EPS = st.sampled_from([1e-5, 1e-3, 0.1])


def _constant_feature(x) -> str:
    return "a constant feature" if np.any(np.ptp(np.asarray(x, dtype=float), axis=0) == 0) else ""


@st.composite
def _batchnorm_forward_call(draw, forms=False, training=None):
    training = draw(st.booleans()) if training is None else training
    form = draw(ARRAY_FORMS_WITH_INTEGERS) if forms else "float64"
    inputs = draw(_batchnorm_inputs(min_n=2 if training else 1, dtype=form))
    momentum, eps = draw(_MOMENTA), draw(_BATCHNORM_EPS)
    note = _constant_feature(inputs["x"])
    if forms:
        inputs["x"] = as_form(inputs["x"], form)
        others = form if form in ("list", "float32", "float16") else "float64"
        for k in ("gamma", "beta", "running_mean", "running_var"):
            inputs[k] = as_form(inputs[k], others)
        momentum, eps = draw(hyper(momentum)), draw(hyper(eps))
    return drawn("batchnorm_forward", note, **inputs, training=training, momentum=momentum,
                 eps=eps)


@st.composite
def _batchnorm_backward_call(draw, forms=False):
    form = draw(st.sampled_from(("float64", "float32", "list"))) if forms else "float64"
    inputs = draw(_batchnorm_inputs(dtype=form))
    dout, eps = normal(draw(SEEDS), inputs["x"].shape), draw(_BATCHNORM_EPS)
    note = _constant_feature(inputs["x"])
    inputs = {k: as_form(v, form) for k, v in inputs.items()}
    return drawn("batchnorm_backward", note, **inputs, eps=eps, dout=as_form(dout, form))


def _batchnorm_edge(note, x, training=True, **kw):
    d = x.shape[1]
    return drawn("batchnorm_forward", note, x=x, gamma=np.linspace(0.5, 1.5, d),
                 beta=np.linspace(-1, 1, d), running_mean=np.zeros(d), running_var=np.ones(d),
                 training=training, momentum=kw.get("momentum", 0.1), eps=kw.get("eps", 1e-5))


BATCHNORM_MODES = {training: _batchnorm_forward_call(training=training)
                   for training in (True, False)}
"""batchnorm_forward's calls in training and in evaluation mode."""

_BATCHNORM_EDGE = _batchnorm_edge("", normal(5, (4, 2), 2.0, 3.0))
BATCHNORM_FORWARD = Space(
    _batchnorm_forward_call(), _batchnorm_forward_call(forms=True),
    math_edges=(_BATCHNORM_EDGE,
                _batchnorm_edge("a constant feature", np.array([[3.0, 1.0], [3.0, 2.0], [3.0, 4.0]])),
                _batchnorm_edge("two samples", normal(0, (2, 3))),
                _batchnorm_edge("momentum 1", normal(2, (4, 2)), momentum=1.0),
                _batchnorm_edge("", normal(6, (3, 2), 1.0, 2.0), training=False),
                _batchnorm_edge("one sample in evaluation", normal(1, (1, 3)), training=False)),
    form_edges=in_forms(_BATCHNORM_EDGE, "float64", "float32", "list", "float32 numpy") + (
        _batchnorm_edge("integer x", np.arange(8).reshape(4, 2) ** 2),
        drawn("batchnorm_forward", "float32 x, float64 gamma, beta and running statistics",
              **dict(_BATCHNORM_EDGE.values, x=_BATCHNORM_EDGE["x"].astype(np.float32)))))


def _batchnorm_backward_edge(note, x, dtype=np.float64):
    d = x.shape[1]
    return drawn("batchnorm_backward", note, **{k: v.astype(dtype) for k, v in (
        ("x", x), ("gamma", np.linspace(0.5, 1.5, d)), ("beta", np.zeros(d)),
        ("running_mean", np.zeros(d)), ("running_var", np.ones(d)))}, eps=1e-5,
        dout=normal(0, x.shape).astype(dtype))


_BATCHNORM_BACKWARD_EDGE = _batchnorm_backward_edge("", normal(4, (4, 3), 1.0, 2.0))
BATCHNORM_BACKWARD = Space(
    _batchnorm_backward_call(), _batchnorm_backward_call(forms=True),
    math_edges=(_BATCHNORM_BACKWARD_EDGE,
                _batchnorm_backward_edge("a constant feature",
                                         np.array([[3.0, 1.0], [3.0, 2.0], [3.0, 4.0]]))),
    form_edges=in_forms(_BATCHNORM_BACKWARD_EDGE, "float64", "float32", "list"))


# Q5 ------------------------------------------------------------------------------------
_STEP_SHAPES = st.sampled_from([(3, 4), (1,), (0, 2), (2, 3, 2), (5,)])


@st.composite
def _state(draw, names, nonnegative=(), forms=False):
    """Arrays of one shape by name (those in ``nonnegative`` >= 0), in one form (float16:
    values near 1, so that squares neither overflow nor vanish)."""
    shape, seed = draw(_STEP_SHAPES), draw(SEEDS)
    form = draw(ARRAY_FORMS) if forms else "float64"
    scale = 1.0 if form == "float16" else draw(st.sampled_from([1.0, 1e-3, 1e2]))
    arrays = {name: normal(seed + i, shape, scale=scale) for i, name in enumerate(names)}
    arrays.update({name: arrays[name] ** 2 for name in nonnegative})
    return {name: as_form(a, form) for name, a in arrays.items()}


def _hypers(draw, forms, **values):
    return {k: draw(hyper(v)) if forms else v for k, v in values.items()}


_LEARNING_RATES = choice([0.1, 1.0, 1e-3], UNIT)
_DECAYS = choice([0.9, 0.0, 0.99, 0.999], UNIT)
_EPS = st.sampled_from([1e-8, 1e-3, 1.0])


@st.composite
def _momentum_call(draw, forms=False):
    arrays = draw(_state(("w", "dw", "v"), forms=forms))
    return drawn("momentum_step", **arrays, **_hypers(
        draw, forms, lr=draw(_LEARNING_RATES), beta=draw(_DECAYS)))


@st.composite
def _rmsprop_call(draw, forms=False):
    arrays = draw(_state(("w", "dw", "s"), ("s",), forms=forms))
    return drawn("rmsprop_step", **arrays, **_hypers(
        draw, forms, lr=draw(_LEARNING_RATES), beta=draw(_DECAYS), eps=draw(_EPS)))


@st.composite
def _adam_call(draw, forms=False):
    arrays = draw(_state(("w", "dw", "m", "v"), ("v",), forms=forms))
    t = draw(choice([1, 2, 10], [100, 1000, 10_000]))
    return drawn("adam_step", **arrays, t=draw(integer(t)) if forms else t, **_hypers(
        draw, forms, lr=draw(_LEARNING_RATES), beta1=draw(_DECAYS),
        beta2=draw(choice([0.999, 0.9, 0.0, 0.9999], UNIT)), eps=draw(_EPS)))


def _step_edge(function, names, nonnegative=(), dtype=np.float64, note="", **hypers):
    arrays = {n: normal(i, (2, 3)) for i, n in enumerate(names)}
    arrays.update({n: arrays[n] ** 2 for n in nonnegative})
    return drawn(function, note, **{n: a.astype(dtype) for n, a in arrays.items()}, **hypers)


_STEP_EDGES = {
    "momentum_step": _step_edge("momentum_step", ("w", "dw", "v"), lr=0.1, beta=0.8),
    "rmsprop_step": _step_edge("rmsprop_step", ("w", "dw", "s"), ("s",), lr=0.01, beta=0.9,
                               eps=1e-3),
    "adam_step": _step_edge("adam_step", ("w", "dw", "m", "v"), ("v",), t=3, lr=0.01,
                            beta1=0.8, beta2=0.95, eps=1e-3)}
MOMENTUM_STEP, RMSPROP_STEP, ADAM_STEP = (
    Space(call(), call(forms=True), math_edges=(_STEP_EDGES[name],),
          form_edges=in_forms(_STEP_EDGES[name], *FORMS))
    for name, call in (("momentum_step", _momentum_call), ("rmsprop_step", _rmsprop_call),
                       ("adam_step", _adam_call)))


@st.composite
def _ema_call(draw, forms=False):
    form = draw(ARRAY_FORMS) if forms else "float64"
    length = draw(st.integers(0, 8 if form == "float16" else 30))  # float16 error compounds
    values = normal(draw(SEEDS), (length,), draw(st.sampled_from([0.0, 5.0])),
                    draw(st.sampled_from([1.0, 100.0])))
    beta = draw(choice([0.9, 0.0, 0.5, 0.999], UNIT))
    if forms:
        values, beta = as_form(values, form), draw(hyper(beta))
    return drawn("ema", values=values, beta=beta, bias_correction=draw(st.booleans()))


_EMA_EDGE = drawn("ema", values=normal(0, (6,), 5.0), beta=0.8, bias_correction=True)
EMA = Space(
    _ema_call(), _ema_call(forms=True),
    math_edges=(_EMA_EDGE,
                drawn("ema", "empty", values=np.zeros(0), beta=0.9, bias_correction=True),
                drawn("ema", "one value", values=np.array([3.0]), beta=0.9, bias_correction=False)),
    form_edges=in_forms(_EMA_EDGE, *FORMS))


# Q6 ------------------------------------------------------------------------------------
_SOFTMAX_SHAPES = st.sampled_from([(5,), (4, 3), (1,), (1, 1), (0, 3), (2, 3, 4), (3, 1)])
_LOGIT_SCALES = st.sampled_from([1.0, 10.0, 1e3, 1e4])
_LOGIT_OFFSETS = st.sampled_from([0.0, 800.0, -800.0])


def logits(draw, shape, small=False) -> np.ndarray:
    """Logits of ``shape`` spread by a drawn scale (up to 1e4: rows thousands wide, values
    beyond exp's range ~709.8) around a drawn offset (small: values float16 holds)."""
    z = draw(_LOGIT_OFFSETS) + normal(draw(SEEDS), shape, scale=draw(_LOGIT_SCALES))
    return z / 100 if small else z


@st.composite
def _softmax_call(draw, forms=False):
    form = draw(ARRAY_FORMS) if forms else "float64"
    shape = draw(_SOFTMAX_SHAPES)
    shape = (2, 3) if form == "list" and 0 in shape else shape   # [] has lost its C
    return drawn("softmax", z=as_form(logits(draw, shape, form == "float16"), form))


@st.composite
def _jacobian_call(draw, forms=False):
    z = normal(draw(SEEDS), draw(st.integers(1, 8)), scale=draw(st.sampled_from([1.0, 10.0, 50.0])))
    s = np.exp(z - z.max())
    s = s / s.sum()
    return drawn("softmax_jacobian", s=as_form(s, draw(ARRAY_FORMS)) if forms else s)


@st.composite
def _cross_entropy_call(draw, function, forms=False):
    n, c = draw(st.integers(1, 12)), draw(st.integers(1, 6))
    form = draw(ARRAY_FORMS) if forms else "float64"
    z = as_form(logits(draw, (n, c), form == "float16"), form)
    y = np.random.default_rng(draw(SEEDS)).integers(0, c, n)
    if forms:
        y = y.tolist() if form == "list" else y.astype(draw(st.sampled_from(["int64", "int32"])))
    return drawn(function, z=z, y=y)


_SOFTMAX_EDGE = drawn("softmax", z=np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]))
SOFTMAX = Space(
    _softmax_call(), _softmax_call(forms=True),
    math_edges=(_SOFTMAX_EDGE,
                drawn("softmax", "rows thousands apart", z=np.array([[2000.0, 0.0], [-1000.0, -1001.0]])),
                drawn("softmax", "one class", z=np.array([[3.0], [-800.0]]))),
    form_edges=in_forms(_SOFTMAX_EDGE, *FORMS))
_JACOBIAN_EDGE = drawn("softmax_jacobian", s=np.exp([0.3, -1.2, 2.0]) / np.exp([0.3, -1.2, 2.0]).sum())
SOFTMAX_JACOBIAN = Space(
    _jacobian_call(), _jacobian_call(forms=True),
    math_edges=(_JACOBIAN_EDGE, drawn("softmax_jacobian", "one class", s=np.array([1.0]))),
    form_edges=in_forms(_JACOBIAN_EDGE, *FORMS))



def _cross_entropy_edges(function):
    return (drawn(function, z=np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), y=np.array([2, 0])),
            drawn(function, "SPEC's example", z=np.array([[0.0, -1000.0]]), y=np.array([1])),
            drawn(function, "one class", z=np.array([[5.0], [-2.0]]), y=np.array([0, 0])),
            drawn(function, "rows thousands apart", z=np.array([[2000.0, 0.0], [0.0, -2000.0]]),
                  y=np.array([1, 0])))


def _cross_entropy_form_edges(function):
    return in_forms(_cross_entropy_edges(function)[0], *FORMS)


CROSS_ENTROPY = Space(
    _cross_entropy_call("cross_entropy"), _cross_entropy_call("cross_entropy", True),
    math_edges=_cross_entropy_edges("cross_entropy"),
    form_edges=_cross_entropy_form_edges("cross_entropy"))
CROSS_ENTROPY_GRAD = Space(
    _cross_entropy_call("cross_entropy_grad"), _cross_entropy_call("cross_entropy_grad", True),
    math_edges=_cross_entropy_edges("cross_entropy_grad"),
    form_edges=_cross_entropy_form_edges("cross_entropy_grad"))


# Q7, Q8 --------------------------------------------------------------------------------
@st.composite
def _memory_call(draw, forms=False):
    sizes = [draw(st.integers(1, 1000)) for _ in range(draw(st.integers(2, 6)))]
    settings = {"batch_size": draw(choice([1, 32], [7, 64, 100, 512])),
                "optimizer": draw(st.sampled_from(["sgd", "momentum", "adam"])),
                "bytes_per_value": draw(st.sampled_from([4, 1, 2, 8])),
                "per_example_grads": draw(st.booleans())}
    if forms:  # numpy ints as an array's items are (int64: int32 products overflow)
        sizes = [draw(integer(n, (int, np.int64))) for n in sizes]
        for key in ("batch_size", "bytes_per_value"):
            settings[key] = draw(integer(settings[key], (int, np.int64)))
    return drawn("training_memory", layer_sizes=sizes, **settings)


def _memory_edge(layer_sizes, note="", **settings):
    return drawn("training_memory", note, layer_sizes=layer_sizes, **{
        "batch_size": 16, "optimizer": "adam", "bytes_per_value": 4, "per_example_grads": True,
        **settings})


TRAINING_MEMORY = Space(
    _memory_call(), _memory_call(forms=True),
    math_edges=(_memory_edge([3, 17, 5, 2]), _memory_edge([784, 128, 10], optimizer="momentum",
                                                         bytes_per_value=2,
                                                         per_example_grads=False)),
    form_edges=(_memory_edge([np.int64(20), np.int64(5)], "numpy-integer sizes",
                             batch_size=np.int64(8)),))


@st.composite
def _lr_decay_call(draw, forms=False):
    values = {"lr0": draw(choice([0.1, 1.0, 1e-3], UNIT)),
              "epoch": draw(choice([0, 1], [2, 5, 10, 99, 1000])),
              "decay_rate": draw(choice([1.0, 0.0, 0.5], [0.05, 2.0, 10.0]))}
    if forms:
        values = {k: draw(integer(v) if k == "epoch" else hyper(v)) for k, v in values.items()}
    return drawn("lr_decay", **values)


LR_DECAY = Space(
    _lr_decay_call(), _lr_decay_call(forms=True),
    math_edges=(drawn("lr_decay", lr0=0.2, epoch=3, decay_rate=0.5),
                drawn("lr_decay", lr0=0.1, epoch=0, decay_rate=1.0)),
    form_edges=(drawn("lr_decay", "numpy scalars", lr0=np.float32(0.5), epoch=np.int64(7),
                      decay_rate=np.float64(2.0)),))

SAMPLES = 5000   # per sampler call: enough for a KS test to see a grid of 12 values
_EXPONENTS = tuple(np.round(np.linspace(-8.0, 1.0, 19), 2))
_SPANS = (3.0, 0.5, 1.0, 2.0, 4.0, 6.0)


@st.composite
def _log_uniform_call(draw, forms=False):
    """Bounds over 0.5 to 6 decades: low = 10**a, high = low * 10**b."""
    a, b = draw(st.sampled_from(_EXPONENTS)), draw(st.sampled_from(_SPANS))
    low, high = 10.0**a, 10.0 ** (a + b)
    if forms:
        low, high = draw(hyper(low, (float, np.float64))), draw(hyper(high, (float, np.float64)))
    return drawn("sample_log_uniform", low=low, high=high, size=SAMPLES,
                 rng=draw(RNGS))


@st.composite
def _beta_call(draw, forms=False):
    """[low, high] with 1 - high from 1e-5 and 1 - low up to 1: gaps 10**a to 10**(a+b)."""
    a = draw(st.sampled_from((-3.0, -5.0, -4.0, -2.0, -1.5, -1.0)))
    b = min(draw(st.sampled_from((2.0, 0.5, 1.0, 3.0, 4.0))), -a)
    low, high = 1.0 - 10.0 ** (a + b), 1.0 - 10.0**a
    if forms:
        low, high = draw(hyper(low, (float, np.float64))), draw(hyper(high, (float, np.float64)))
    return drawn("sample_beta", low=low, high=high, size=SAMPLES,
                 rng=draw(RNGS))


SAMPLE_LOG_UNIFORM = Space(
    _log_uniform_call(), _log_uniform_call(forms=True),
    math_edges=(drawn("sample_log_uniform", low=0.5, high=2.0, size=SAMPLES, rng=Seeded(31)),))
SAMPLE_BETA = Space(
    _beta_call(), _beta_call(forms=True),
    math_edges=(drawn("sample_beta", low=0.99, high=0.9999, size=SAMPLES, rng=Seeded(32)),))

SPACES = {
    "minibatches": MINIBATCHES, "init_layer": INIT_LAYER, "dropout_mask": DROPOUT_MASK,
    "dropout_forward": DROPOUT_FORWARD, "dropout_backward": DROPOUT_BACKWARD,
    "batchnorm_forward": BATCHNORM_FORWARD, "batchnorm_backward": BATCHNORM_BACKWARD,
    "momentum_step": MOMENTUM_STEP, "rmsprop_step": RMSPROP_STEP, "adam_step": ADAM_STEP,
    "ema": EMA, "softmax": SOFTMAX, "softmax_jacobian": SOFTMAX_JACOBIAN,
    "cross_entropy": CROSS_ENTROPY, "cross_entropy_grad": CROSS_ENTROPY_GRAD,
    "training_memory": TRAINING_MEMORY, "lr_decay": LR_DECAY,
    "sample_log_uniform": SAMPLE_LOG_UNIFORM, "sample_beta": SAMPLE_BETA,
}
