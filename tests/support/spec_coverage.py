"""The clause matrix: every clause of docs/spec.md (and of the mnist prompts) that applies to a
student-facing function, the case that checks it, the sentence of the student notebook that
states it, and the mutants of tests/ it kills.

A clause is (function, text, case id, stated). ``stated`` is a sentence students read (the
notebook's prose or a stub's docstring, compared with whitespace collapsed): no point is lost
to a rule they were not told (tests/checks/test_spec_coverage.py checks every optimization
clause has one and that it is in the notebook). The general conventions are one clause per convention and
stub, killed by the wrong variants whose failure of the stub's conventions case shows that
convention (``CONVENTIONS``: a pattern of the failure message); every other clause is killed by
the wrong variants of its function that fail its case. ``render()`` writes
docs/spec-coverage.md; tests/checks/test_spec_coverage.py keeps it current and complete.
"""
from __future__ import annotations

import hashlib
import itertools
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import hypothesis
import nbformat
import numpy as np
import torch

from autograder import otter_format as fmt
from autograder.cases import run_case
from autograder.mnist import CASES as MNIST_CASES
from autograder.notebooks import master_path
from autograder.optimization import CASES as OPTIMIZATION_CASES
from autograder.optimization.hidden import conventions
from autograder.optimization.hidden.space import SPACES

import solutions.mnist as mnist_reference
import mnist_variants
from mutant_harness import load_variants, student_namespace


@dataclass(frozen=True)
class Clause:
    assignment: str
    function: str
    text: str
    case: str                  # "q4.backward_matches_autograd"
    stated: str | None = None  # the notebook sentence that states it
    shows: str | None = None   # a convention's pattern in the case's failure message


# Sentences of the notebook's conventions paragraph and prompts, quoted by several clauses.
SHAPES = "Every size the shapes allow must work: one sample, one feature or class, and no data"
LISTS = "Inputs may be Python lists: convert them with `np.asarray`."
NUMBERS = "Hyperparameters may be Python or numpy numbers"
RESULTS = "An array result is a numpy array (not a list); a scalar result is a number"
IN_PLACE = "Never modify an input array in place; return new arrays."
RNG = ("Randomness comes only from the `rng` argument: the same seed gives the same result, "
       "and `rng=None` means a fresh `np.random.default_rng()`, never a fixed seed.")
DTYPE = ("The output dtype follows the input: float16, float32 and float64 arrays give results "
         "of their dtype, integer arrays and lists give float64, whatever type the "
         "hyperparameters have")

OWN = {  # function -> [(clause, case id, stated)], in SPEC order
    "minibatches": [
        ("a generator function (uses yield)", "q1.minibatches_cover_the_data",
         "a generator yielding `(X_batch, y_batch)` for one epoch"),
        ("one epoch, last smaller batch kept, no empty batch, original order without shuffle "
         "(N from 0 to 40, batch sizes 1 to N + 3)", "q1.keeps_every_sample_once",
         "Keep the last, smaller batch; never yield an empty batch (no data yields no batch)."),
        ("shuffle=True: one rng.permutation(N) applied to X and y",
         "q1.shuffles_with_one_rng_permutation",
         "draw ONE permutation `rng.permutation(N)` and apply it to both `X` and `y`"),
        ("rng=None: a fresh generator, two epochs differ", "q1.shuffles_with_one_rng_permutation",
         RNG),
        ("works for torch tensors (tensors in, tensors out)", "q1.works_with_torch_tensors",
         "It must also work for torch tensors"),
        ("batch_size < 1 or len(X) != len(y) raises ValueError when first advanced",
         "q1.rejects_bad_arguments", "Raise `ValueError` if `batch_size < 1` or `len(X) != len(y)`."),
        ("X and y never modified while iterating", "q1.leaves_inputs_unchanged", IN_PLACE),
        ("lists give numpy-array batches, tensors tensor batches; the data's dtype kept; labels "
         "of several columns", "q1.minibatches_follows_the_conventions",
         "batches are tensors for tensors, numpy arrays otherwise, and keep the data's dtype; "
         "`y` may have several columns"),
    ],
    "init_layer": [
        ("W (n_in, n_out) float64, b = zeros(n_out); 'zeros' is all zeros", "q2.init_layer_shapes",
         "`W` of shape `(n_in, n_out)`, `b = zeros(n_out)`, both float64."),
        ("'normal': N(0, 0.01^2)", "q2.normal_has_std_001", '`"normal"` ($\\mathcal N(0, 0.01^2)$)'),
        ("'he': N(0, 2 / n_in), as kaiming_normal_", "q2.he_matches_kaiming_normal",
         "**He** (ReLU nets): $W \\sim \\mathcal N(0, 2/n_{in})$"),
        ("'glorot': N(0, 2 / (n_in + n_out)), as xavier_normal_", "q2.glorot_matches_xavier_normal",
         "**Glorot/Xavier** (tanh/sigmoid): $W \\sim \\mathcal N(0, 2/(n_{in}+n_{out}))$"),
        ("unknown scheme raises ValueError; b zeros for every scheme; drawn sizes from 1, "
         "numpy integers, rng=None", "q2.zeros_bias_and_unknown_scheme",
         "anything else raises `ValueError`."),
        ("randomness only from rng; rng=None a fresh W on every call", "q2.randomness_comes_from_rng",
         RNG),
    ],
    "dropout_mask": [
        ("values 0 and 1 / (1 - p), p = 0 all ones (worked example)", "q3.dropout_basics",
         "each entry independently `0` with probability `p`, else `1 / (1 - p)`"),
        ("0 with probability p (drop), else 1 / (1 - p); float64", "q3.mask_drops_p_and_scales_survivors",
         "As in PyTorch, `p` is the probability of **dropping** a unit."),
        ("entries drop independently: drops per row, per column and per mask spread as "
         "Binomial counts", "q3.mask_entries_are_independent",
         "(no fixed number of drops, no mask shared by rows or columns)"),
        ("p = 0 all ones, p = 1 all zeros, p outside [0, 1] raises ValueError; the requested "
         "shape (empty, 3-D), float64 also for a numpy-scalar p", "q3.mask_edge_cases",
         "`p == 0` gives ones, `p == 1` zeros; `p` outside `[0, 1]` raises `ValueError`."),
        ("randomness only from rng; rng=None a fresh mask on every call", "q3.randomness_comes_from_rng",
         RNG),
    ],
    "dropout_forward": [
        ("training: out = x * mask in x's dtype, drop rate p; bad p raises ValueError",
         "q3.forward_applies_the_mask", "`out = x * mask`\n  and a mask of `x`'s shape"),
        ("edge values: p = 0 gives x, p = 1 gives zeros (no nan), also in evaluation; drawn "
         "x (every shape, empty) and p: a mask of x's shape, out = x * mask",
         "q3.forward_edge_probabilities", "in evaluation `(x, None)` for any `p`,\n  `1` included."),
        ("evaluation: out is x unchanged, mask None", "q3.evaluation_is_identity",
         "in evaluation dropout is the identity."),
        ("rng=None a fresh mask on every call", "q3.randomness_comes_from_rng", RNG),
    ],
    "dropout_backward": [
        ("dx = dout * mask in dout's dtype; mask None passes dout through",
         "q3.backward_multiplies_by_the_mask",
         "`dropout_backward(dout, mask)` returns `dout * mask` (`dout` itself if `mask is None`)."),
    ],
    "batchnorm_forward": [
        ("gamma = 1, beta = 0: each feature has mean 0, variance 1; running statistics from the "
         "unbiased variance (worked example)", "q4.batchnorm_normalizes",
         "(with the *unbiased* batch variance, as PyTorch does)"),
        ("training: batch mean and BIASED variance; running stats with momentum and the "
         "UNBIASED variance (drawn offsets, scales, constant features, momentum, eps)",
         "q4.training_forward_matches_torch",
         "In training it uses the batch statistics (biased\nvariance) and updates running averages"),
        ("evaluation: running statistics, returned unchanged", "q4.evaluation_uses_running_statistics",
         "in evaluation the running statistics are returned unchanged"),
        ("edge value: one sample in evaluation is allowed", "q4.evaluation_accepts_one_sample",
         "(a batch of one sample in training raises\n`ValueError`"),
        ("x decides the output dtype (float32 x, float64 gamma/beta)", "q4.output_dtype_follows_input",
         "`out` has the dtype of `x` (float64 for integers)"),
        ("N == 1 in training raises ValueError; no input modified in place",
         "q4.rejects_one_sample_and_keeps_inputs",
         "(a batch of one sample in training raises\n`ValueError`"),
    ],
    "batchnorm_backward": [
        ("exact gradients of the training forward (batch statistics depend on x), against "
         "finite differences (public) and autograd on drawn inputs, constant features included",
         "q4.backward_matches_autograd",
         "remember that $\\mu_B$ and $\\sigma_B^2$ depend on $x$."),
    ],
    "momentum_step": [
        ("v = beta v + (1 - beta) dw, w = w - lr v (torch trajectory, drawn states)",
         "q5.momentum_matches_torch_sgd",
         "$v \\leftarrow \\beta v + (1-\\beta)\\,dW$"),
        ("first step from zero state (worked example)", "q5.optimizer_first_steps",
         "`momentum_step(w, dw, v, lr, beta=0.9) -> (w, v)`"),
        ("w, dw, v never modified in place", "q5.steps_leave_inputs_unchanged", IN_PLACE),
    ],
    "rmsprop_step": [
        ("s = beta s + (1 - beta) dw^2, eps outside the root (torch trajectory, drawn states)",
         "q5.rmsprop_matches_torch", "Put `eps` outside the square root."),
        ("first step from zero state, eps = 1 outside the root (worked example)",
         "q5.optimizer_first_steps", "Put `eps` outside the square root."),
        ("w, dw, s never modified in place", "q5.steps_leave_inputs_unchanged", IN_PLACE),
    ],
    "adam_step": [
        ("bias-corrected moments with 1-based t, equals torch.optim.Adam; drawn states, t up to "
         "10,000", "q5.adam_matches_torch", "where $t$ counts steps from 1 (this is `torch.optim.Adam`)."),
        ("other betas and a large eps (outside the root)", "q5.adam_matches_torch_other_hyperparameters",
         "Put `eps` outside the square root."),
        ("t = 1 from zero state moves each weight by lr; eps = 1 outside the root (worked "
         "examples)", "q5.optimizer_first_steps", "Put `eps` outside the square root."),
        ("t < 1 raises ValueError", "q5.adam_rejects_step_zero", "(`t < 1` raises `ValueError`)."),
        ("w, dw, m, v never modified in place", "q5.steps_leave_inputs_unchanged", IN_PLACE),
    ],
    "ema": [
        ("v_t = beta v_{t-1} + (1 - beta) y_t from v_0 = 0, corrected by 1 - beta^t, "
         "bias_correction=False too; drawn sequences", "q5.ema_matches_the_recurrence",
         "v_0 = 0,  v_t = beta * v_{t-1} + (1 - beta) * y_t,  corrected: v_t / (1 - beta**t)"),
        ("edge values: one value, beta = 0, no value (an empty array)", "q5.ema_edge_values",
         "An empty sequence gives an\nempty average."),
    ],
    "softmax": [
        ("rows sum to 1, equal logits give 1/C, rows thousands apart (worked examples)",
         "q6.softmax_basics", "Logits may lie thousands apart: subtract each row's\nmaximum"),
        ("over the last axis for (C,), (N, C), (A, B, C), one class, no rows; drawn logits "
         "thousands apart", "q6.softmax_matches_torch", "`softmax(z)` (last axis, any number of dimensions, stable)"),
        ("stable: huge logits, rows with different maxima", "q6.softmax_is_stable",
         "(not its mean, not one maximum for the whole batch)"),
    ],
    "softmax_jacobian": [
        ("diag(s) - outer(s, s), including C = 1 and peaked s", "q6.jacobian_matches_autograd",
         "i.e. $\\mathrm{diag}(s) - s s^\\top$."),
    ],
    "cross_entropy": [
        ("a number, the mean over the batch of -log softmax(z)[i, y_i] (drawn N, C, logits)",
         "q6.cross_entropy_matches_torch", "`cross_entropy` returns a number."),
        ("log-sum-exp per row: [[0, -1000]] gives 1000, rows with different maxima, logits > 710",
         "q6.cross_entropy_is_stable", "Compute $\\log s$ with the\nlog-sum-exp trick"),
    ],
    "cross_entropy_grad": [
        ("(softmax(z) - onehot(y)) / N, N = 1 and one class included", "q6.cross_entropy_grad_matches_autograd",
         "`cross_entropy_grad(z, y)`\n(`(softmax(z) - onehot(y)) / N`)"),
        ("stable: [[0, -1000]], rows with different maxima, logits > 710", "q6.cross_entropy_grad_is_stable",
         "subtract each row's\nmaximum (not its mean, not one maximum for the whole batch)"),
    ],
    "training_memory": [
        ("the six keys; a 2-3 net worked out by hand; integer counts", "q7.training_memory_keys",
         "returning a dict of integer byte counts"),
        ("parameters = gradients = P bytes, weights and biases (bytes_per_value honoured)",
         "q7.parameters_and_gradients", "P = sum(n_{i-1} * n_i + n_i)"),
        ("optimizer_state 0, P, 2P for sgd, momentum, adam", "q7.optimizer_state_copies",
         "(momentum: one copy of $P$; Adam: two)"),
        ("activations: batch_size * sum(layer_sizes) values", "q7.activation_bytes_cover_every_layer",
         "activations = batch_size * sum(layer_sizes) * bytes"),
        ("per_example_gradients only when asked; total is the sum", "q7.per_example_gradients_and_total",
         "per_example_gradients = batch_size * P * bytes if per_example_grads else 0"),
        ("integer counts (not 36.0) also for numpy-integer arguments; layer_sizes unchanged",
         "q7.training_memory_follows_the_conventions", "returning a dict of integer byte counts"),
        ("other optimizer names raise ValueError", "q7.rejects_unknown_optimizers",
         'anything else\nraises `ValueError`'),
        ("equals what torch allocates for the same MLP and Adam", "q7.matches_torch_tensors",
         "the **optimizer state** (momentum: one copy of $P$; Adam: two)"),
    ],
    "megabytes": [("megabytes_1 and megabytes_2 within 1 %", "q7.numeric_answers",
                   "`megabytes_1`, parameters + gradients + momentum (no activations)")],
    "sample_log_uniform": [
        ("samples in [low, high], requested size, every decade a third (worked example)",
         "q8.search_ranges", "($10^{U(\\log_{10} low,\\ \\log_{10} high)}$)"),
        ("10 ** U(log10 low, log10 high): every decade equally", "q8.log_uniform_covers_every_decade_equally",
         "should be sampled uniformly in $\\log_{10}$ (each\ndecade equally often)"),
        ("drawn bounds honoured, KS of log10 below the 1e-7 critical value (a grid of 12 values "
         "fails), at most 1 % repeated values (grids of 10^5 values fail)",
         "q8.samplers_honour_their_bounds", "from a continuous distribution (no grid of values)"),
        ("randomness only from rng; rng=None fresh samples", "q8.randomness_comes_from_rng", RNG),
    ],
    "sample_beta": [
        ("samples in [low, high], requested size, half of 1 - beta below 0.01 (worked example)",
         "q8.search_ranges", "(sample\n$1-\\beta$ log-uniformly)"),
        ("1 - beta log-uniform", "q8.beta_samples_one_minus_beta_log_uniformly",
         "so sample $1-\\beta$ log-uniformly."),
        ("drawn bounds honoured (KS of log10(1 - beta)), no grid of values",
         "q8.samplers_honour_their_bounds", "from a continuous distribution (no grid of values)"),
        ("randomness only from rng; rng=None fresh samples", "q8.randomness_comes_from_rng", RNG),
    ],
    "lr_decay": [
        ("lr0 / (1 + decay_rate * epoch), epoch counted from 0, a number, numpy scalars too",
         "q8.lr_decay_formula", "`lr_decay`\nreturns a number."),
    ],
}

# The conventions every stub with a conventions case follows: (clause, pattern its failure
# message shows, stated, the stubs it applies to; None: all of them).
CONVENTIONS = (
    ("float16/float32/float64 keep their dtype, integers and lists give float64", r"dtype",
     DTYPE, {"minibatches", "dropout_forward", "dropout_backward", "batchnorm_forward",
             "batchnorm_backward", "momentum_step", "rmsprop_step", "adam_step", "ema",
             "softmax", "softmax_jacobian", "cross_entropy_grad"}),
    ("lists accepted (np.asarray)", r"=a list", LISTS, None),
    ("numpy-scalar hyperparameters keep the arrays' dtype", r"=np\.(float|int)", NUMBERS,
     {"minibatches", "dropout_forward", "batchnorm_forward", "momentum_step", "rmsprop_step",
      "adam_step", "ema"}),
    ("results are numpy arrays (numbers for a scalar)",
     r"expected a numpy array|expected a number|expected ndarrays", RESULTS,
     {"minibatches", "ema", "softmax_jacobian", "cross_entropy"}),
    ("no argument (state included) modified in place", r"in place", IN_PLACE, None),
)

MNIST_OWN = {
    "build_model": [
        ("maps (N, 784) to (N, 10) logits (no softmax, no log-softmax), batch norm before ReLU, "
         "in an nn.Sequential Dropout after ReLU (public)", "q2.model_maps_784_to_10"),
        ("Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer, then Linear: outputs in "
         "training mode equal SPEC's network built from the student's parameters (any module "
         "structure; an nn.Sequential's layer order is what runs); BatchNorm1d affine with "
         "eps 1e-5", "q2.layers_in_order"),
        ("sizes and dropout rates from hparams (Dropout modules' p, or the spread functional "
         "dropout adds); one module per layer for equal widths",
         "q2.sizes_and_rates_follow_hparams"),
        ("evaluation mode: running statistics (tracked), no dropout, logits", "q2.outputs_logits"),
        ("running statistics: momentum 0.1, unbiased variance, each layer its own",
         "q2.batch_norm_keeps_running_statistics"),
    ],
    "fit": [
        ("returns one finite Python float per epoch; calls model.train(); every minibatch "
         "(public)", "q3.fit_returns_epoch_losses"),
        ("learns a separable problem", "q3.learns_a_separable_problem"),
        ("ceil(N / batch_size) minibatches per epoch, the last partial one included",
         "q3.draws_every_minibatch"),
        ("steps with Adam at hparams['lr']", "q3.steps_with_adam"),
        ("X and y never modified", "q3.leaves_the_data_unchanged"),
        ("minibatches from default_rng(hparams['seed']), zeroed gradients, mean cross-entropy, "
         "Adam and rng once per call (drawn hparams, partial last batch)",
         "q3.matches_the_reference_steps"),
        ("the loss per epoch is the mean over its minibatches (weighted or not), not the last "
         "batch's, not a sum", "q3.returns_the_mean_loss_per_epoch"),
        ("calls model.train(): a model left in evaluation mode trains with batch statistics",
         "q3.trains_in_training_mode"),
        ("the gradient of the batch's mean loss, not of a sum (Adam's first step where "
         "gradients are as small as eps)", "q3.averages_the_loss_over_the_batch"),
        ("optional lr_decay: lr / (1 + lr_decay * epoch), per epoch, epochs from 0",
         "q3.decays_the_learning_rate_per_epoch"),
        ("the model stays on the given device (a CPU-only grader catches hard-coded CUDA)",
         "q3.keeps_the_model_on_the_device"),
    ],
    "random_search": [
        ("a DataFrame, one row per trial, lr and val_accuracy columns, fractions, best first "
         "(public)", "q4.search_returns_a_table"),
        ("val_accuracy in [0, 1], best first, indexed 0, 1, ... (ignore_index=True)",
         "q4.sorted_best_first"),
        ("learning rate log-uniform (KS of log10 lr)", "q4.samples_lr_log_uniformly"),
        ("prompt: reproducible from rng alone (torch.manual_seed and fit's seed from rng)",
         "q4.randomness_comes_from_rng"),
        ("prompt: validation accuracy measured on X_val, y_val", "q4.measures_on_the_validation_set"),
        ("prompt: a fresh model per trial (the second trial replayed alone)",
         "q4.trains_a_fresh_model_per_trial"),
    ],
}

def clauses() -> list[Clause]:
    """Every clause, optimization first, in SPEC order."""
    out = []
    for function, own in OWN.items():
        out += [Clause("optimization", function, text, case, stated) for text, case, stated in own]
        case = next((c.id for c in OPTIMIZATION_CASES
                     if c.name == f"{function}_follows_the_conventions"), None)
        if case is None or function == "training_memory":
            continue
        out += [Clause("optimization", function, text, case, stated, shows)
                for text, shows, stated, stubs in CONVENTIONS if stubs is None or function in stubs]
    for function, own in MNIST_OWN.items():
        out += [Clause("mnist", function, text, case) for text, case in own]
    return out


@lru_cache(maxsize=None)
def student_text(assignment) -> str:
    """What students read in the notebook, whitespace collapsed: its markdown outside solution
    blocks and the signatures and docstrings of the answer cells."""
    parts = []
    for cell, _, block in fmt.walk(nbformat.read(master_path(assignment), as_version=4)):
        if cell.cell_type == "markdown" and block != "solution":
            parts.append(fmt.source(cell))
        elif cell.cell_type == "code" and block == "solution":
            parts.append("\n".join(fmt.split_solution_code(fmt.source(cell))[1]))
    return " ".join(" ".join(parts).split())


def stated_in_notebook(clause: Clause) -> bool:
    return " ".join(clause.stated.split()) in student_text(clause.assignment)


@lru_cache(maxsize=None)
def _optimization_variants():
    return tuple(load_variants())


def _cases(assignment):
    return {c.id: c for c in (OPTIMIZATION_CASES if assignment == "optimization" else MNIST_CASES)}


@contextmanager
def _reproducible():
    """Fixed global seeds, and fixed but distinct seeds for unseeded default_rng() calls, so
    that a variant drawing from unseeded generators is judged the same on every run."""
    original, seeds = np.random.default_rng, itertools.count(1000)
    np.random.default_rng = lambda seed=None: original(next(seeds) if seed is None else seed)
    torch.manual_seed(0)
    np.random.seed(0)
    try:
        yield
    finally:
        np.random.default_rng = original


@lru_cache(maxsize=None)
def _failure(assignment, variant_id, case_id) -> str | None:
    """The variant's failure message on the case, None when it passes."""
    with _reproducible():
        return _run(assignment, variant_id, case_id)


def _run(assignment, variant_id, case_id):
    if assignment == "optimization":
        variant = next(v for v in _optimization_variants() if v.id == variant_id)
        namespace = student_namespace(variant)
    else:
        name, _, fn = next(v[:1] + v[2:] for v in mnist_variants.VARIANTS
                           if f"{v[0]}.{v[2]}" == variant_id)
        namespace = {**{n: getattr(mnist_reference, n) for n in mnist_reference.__all__}, name: fn}
    result = run_case(_cases(assignment)[case_id], namespace)
    return None if result.passed else result.message


def wrong_variants(assignment, function) -> list[str]:
    if assignment == "optimization":
        return [v.id for v in _optimization_variants() if v.function == function and not v.correct]
    return [f"{v[0]}.{v[2]}" for v in mnist_variants.VARIANTS
            if v[0] == function and v[2].startswith("wrong_")]


@lru_cache(maxsize=None)
def _edge_failures(variant_id) -> tuple[str, ...]:
    """The failure messages of a variant on each form edge of its function's space, judged
    with the conventions (a variant breaking several conventions shows each on some edge,
    whereas its case reports the first failing input only)."""
    variant = next(v for v in _optimization_variants() if v.id == variant_id)
    namespace = student_namespace(variant)
    functions = [namespace[n] for n in (("batchnorm_forward", "batchnorm_backward")
                                        if variant.function == "batchnorm_backward"
                                        else (variant.function,))]
    messages = []
    with _reproducible():
        for edge in SPACES[variant.function].form_edges:
            try:
                conventions.JUDGES[variant.function](*functions, edge, conventions=True)
            except AssertionError as e:
                messages.append(str(e))
    return tuple(messages)


def killers(clause: Clause) -> list[str]:
    """The wrong variants of the clause's function that its case rejects (for a convention:
    whose failure of the case, or of one of the form edges it judges, shows it)."""
    out = []
    for variant in wrong_variants(clause.assignment, clause.function):
        failure = _failure(clause.assignment, variant, clause.case)
        if failure is not None and (clause.shows is None or any(
                re.search(clause.shows, m) for m in (failure, *_edge_failures(variant)))):
            out.append(variant.split(".", 1)[1])
    return out


ROOT = Path(__file__).resolve().parents[2]
# everything the killers are computed from: the checks and what they import, the reference
# solutions, the mutants, this harness
DIGEST_INPUTS = (
    "autograder/optimization", "autograder/mnist", "autograder/cases.py", "autograder/drawn.py",
    "autograder/compare.py", "autograder/measurement.py", "autograder/otter_format.py",
    "autograder/notebooks.py", "autograder/grading/diagnosis.py",
    "autograder/grading/sandbox/proxy.py", "autograder/grading/sandbox/process.py",
    "solutions", "tests/mutants", "tests/mutants_mnist", "tests/support/spec_coverage.py",
    "tests/support/mutant_harness.py", "tests/support/mnist_variants.py")


def inputs_digest() -> str:
    """A digest of the killers' inputs: the sources of DIGEST_INPUTS and the versions of
    the libraries that draw and compute (docs/spec-coverage.md records it)."""
    digest = hashlib.sha256()
    for name in DIGEST_INPUTS:
        path = ROOT / name
        for path in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for module in (np, torch, hypothesis):
        digest.update(str(module.__version__).encode())
    return digest.hexdigest()[:20]


def _row_prefix(clause: Clause) -> str:
    stated = f"“{' '.join(clause.stated.split())}”" if clause.stated else "–"
    return f"| {clause.text} | `{clause.case}` | {stated} | "


def recorded_killers(text: str) -> dict[Clause, list[str]] | None:
    """The killers a committed docs/spec-coverage.md lists per clause, when it records the
    digest of today's inputs (None otherwise, or when a clause has no row)."""
    if f"Inputs digest: `{inputs_digest()}`" not in text:
        return None
    lines, out = text.splitlines(), {}
    for clause in clauses():
        heading = f"## {clause.assignment}: `{clause.function}`"
        if heading not in lines:
            return None
        section = lines[lines.index(heading) + 1:]
        prefix = _row_prefix(clause)
        row = next((line for line in section if line.startswith(prefix)), None)
        if row is None:
            return None
        listed = row[len(prefix):-len(" |")]
        out[clause] = [] if listed == "**none**" else listed.split(", ")
    return out


def render(killers_of: Callable[[Clause], list[str]] = killers) -> str:
    """docs/spec-coverage.md (``killers_of``: a clause's killers, computed by default)."""
    rows = [(c, killers_of(c)) for c in clauses()]
    cases = {(c.assignment, c.case) for c, _ in rows}
    mutants = {(c.assignment, c.function, k) for c, ks in rows for k in ks}
    lines = [
        "# SPEC coverage: clause, case, killing mutants",
        "",
        "Generated by `tests/checks/test_spec_coverage.py` from `tests/support/spec_coverage.py`",
        "(regenerate with `ADVOPT_WRITE_COVERAGE=1 .venv/bin/python -m pytest",
        "tests/checks/test_spec_coverage.py`). Every",
        "clause of docs/spec.md that applies to a student-facing function, the case that checks it,",
        "the sentence of the student notebook that states it (its prose or a stub's docstring;",
        "tests/checks/test_spec_coverage.py checks it is there), and the wrong variants of",
        "`tests/mutants/` (`tests/mutants_mnist/` for mnist) it rejects. Convention clauses (dtype,",
        "lists, numpy scalars, result types, in place) list the variants whose failure of the",
        "conventions case shows that convention. `BEST_HPARAMS` is checked by",
        "`q5.best_hparams_are_complete` and the",
        "benchmark (no mutants: a configuration, not a function); mnist's `minibatches` is",
        "assignment 1's, covered there.",
        "",
        f"Size: {len(rows)} clauses, {len(cases)} cases, {len(mutants)} distinct killing mutants.",
        f"Inputs digest: `{inputs_digest()}` (the checks, the reference solutions, the mutants",
        "and this harness: `spec_coverage.DIGEST_INPUTS`; numpy, torch and hypothesis versions).",
        "",
    ]
    current = None
    for clause, ks in rows:
        if (clause.assignment, clause.function) != current:
            current = (clause.assignment, clause.function)
            lines += ["", f"## {clause.assignment}: `{clause.function}`", "",
                      "| clause | case | stated in the notebook | killed by |", "|---|---|---|---|"]
        lines.append(f"{_row_prefix(clause)}{', '.join(ks) or '**none**'} |")
    return "\n".join(lines) + "\n"
