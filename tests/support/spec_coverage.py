"""The clause matrix: every clause of docs/spec.md (and of the mnist prompts) that applies to a
student-facing function, the case that checks it, and the mutants of tests/ it kills.

A clause is (function, text, case id). The general conventions come from the table of
``autograder.optimization.hidden.conventions`` (one clause per convention and stub, killed
by the mutants whose answer breaks that convention alone); every other clause is killed by
the wrong variants of its function that fail its case. ``render()`` writes
docs/spec-coverage.md; tests/checks/test_spec_coverage.py keeps it current and complete.
"""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import torch

from autograder.cases import run_case
from autograder.mnist import CASES as MNIST_CASES
from autograder.optimization import CASES as OPTIMIZATION_CASES
from autograder.optimization.hidden import conventions

import solutions.mnist as mnist_reference
import mnist_variants
from mutant_harness import load_variants, student_namespace


@dataclass(frozen=True)
class Clause:
    assignment: str
    function: str
    text: str
    case: str          # "q4.backward_matches_autograd"
    part: Callable | None = None   # a convention's probe (returns problems) instead of the case


OWN = {  # function -> [(clause, case id)], in SPEC order
    "minibatches": [
        ("a generator function (uses yield)", "q1.minibatches_cover_the_data"),
        ("one epoch, last smaller batch kept, no empty batch, original order without shuffle",
         "q1.keeps_every_sample_once"),
        ("shuffle=True: one rng.permutation(N) applied to X and y", "q1.shuffles_with_one_rng_permutation"),
        ("works for torch tensors (tensors in, tensors out)", "q1.works_with_torch_tensors"),
        ("batch_size < 1 or len(X) != len(y) raises ValueError when first advanced",
         "q1.rejects_bad_arguments"),
        ("X and y never modified while iterating", "q1.leaves_inputs_unchanged"),
    ],
    "init_layer": [
        ("W (n_in, n_out) float64, b = zeros(n_out); 'zeros' is all zeros", "q2.init_layer_shapes"),
        ("'normal': N(0, 0.01^2)", "q2.normal_has_std_001"),
        ("'he': N(0, 2 / n_in), as kaiming_normal_", "q2.he_matches_kaiming_normal"),
        ("'glorot': N(0, 2 / (n_in + n_out)), as xavier_normal_", "q2.glorot_matches_xavier_normal"),
        ("unknown scheme raises ValueError; b zeros for every scheme", "q2.zeros_bias_and_unknown_scheme"),
        ("randomness only from rng", "q2.randomness_comes_from_rng"),
    ],
    "dropout_mask": [
        ("values 0 and 1 / (1 - p), p = 0 all ones (worked example)", "q3.dropout_basics"),
        ("0 with probability p (drop), else 1 / (1 - p); float64", "q3.mask_drops_p_and_scales_survivors"),
        ("p = 0 all ones, p = 1 all zeros, p outside [0, 1] raises ValueError", "q3.mask_edge_cases"),
        ("randomness only from rng", "q3.randomness_comes_from_rng"),
    ],
    "dropout_forward": [
        ("training: out = x * mask in x's dtype, drop rate p; bad p raises ValueError",
         "q3.forward_applies_the_mask"),
        ("edge values: p = 0 gives x, p = 1 gives zeros (no nan)", "q3.forward_edge_probabilities"),
        ("evaluation: out is x unchanged, mask None", "q3.evaluation_is_identity"),
    ],
    "dropout_backward": [
        ("dx = dout * mask in dout's dtype; mask None passes dout through",
         "q3.backward_multiplies_by_the_mask"),
    ],
    "batchnorm_forward": [
        ("gamma = 1, beta = 0: each feature has mean 0, variance 1", "q4.batchnorm_normalizes"),
        ("training: batch mean and BIASED variance; running stats with momentum and the "
         "UNBIASED variance (non-default momentum, eps)", "q4.training_forward_matches_torch"),
        ("evaluation: running statistics, returned unchanged", "q4.evaluation_uses_running_statistics"),
        ("edge value: one sample in evaluation is allowed", "q4.evaluation_accepts_one_sample"),
        ("x decides the output dtype (float32 x, float64 gamma/beta)", "q4.output_dtype_follows_input"),
        ("N == 1 in training raises ValueError; no input modified in place",
         "q4.rejects_one_sample_and_keeps_inputs"),
    ],
    "batchnorm_backward": [
        ("exact gradients of the training forward (batch statistics depend on x)",
         "q4.backward_matches_autograd"),
    ],
    "momentum_step": [
        ("v = beta v + (1 - beta) dw, w = w - lr v (non-default beta)", "q5.momentum_matches_torch_sgd"),
        ("first step from zero state (worked example)", "q5.optimizer_first_steps"),
        ("w, dw, v never modified in place", "q5.steps_leave_inputs_unchanged"),
    ],
    "rmsprop_step": [
        ("s = beta s + (1 - beta) dw^2, eps outside the root (non-default beta, eps)",
         "q5.rmsprop_matches_torch"),
        ("first step from zero state (worked example)", "q5.optimizer_first_steps"),
        ("w, dw, s never modified in place", "q5.steps_leave_inputs_unchanged"),
    ],
    "adam_step": [
        ("bias-corrected moments with 1-based t, equals torch.optim.Adam", "q5.adam_matches_torch"),
        ("other betas and a large eps (outside the root)", "q5.adam_matches_torch_other_hyperparameters"),
        ("edge value t = 1 from zero state moves each weight by lr", "q5.optimizer_first_steps"),
        ("t < 1 raises ValueError", "q5.adam_rejects_step_zero"),
        ("w, dw, m, v never modified in place", "q5.steps_leave_inputs_unchanged"),
    ],
    "ema": [
        ("v_t = beta v_{t-1} + (1 - beta) y_t from v_0 = 0, corrected by 1 - beta^t, "
         "bias_correction=False too", "q5.ema_matches_the_recurrence"),
        ("edge values: one value, beta = 0", "q5.ema_edge_values"),
    ],
    "softmax": [
        ("rows sum to 1, equal logits give 1/C", "q6.softmax_basics"),
        ("over the last axis for (C,), (N, C), (A, B, C)", "q6.softmax_matches_torch"),
        ("stable: huge logits, rows with different maxima", "q6.softmax_is_stable"),
    ],
    "softmax_jacobian": [
        ("diag(s) - outer(s, s), including C = 1", "q6.jacobian_matches_autograd"),
    ],
    "cross_entropy": [
        ("mean over the batch of -log softmax(z)[i, y_i] (float64 and float32, N = 1)",
         "q6.cross_entropy_matches_torch"),
        ("log-sum-exp per row: [[0, -1000]] gives 1000, rows with different maxima, logits > 710",
         "q6.cross_entropy_is_stable"),
    ],
    "cross_entropy_grad": [
        ("(softmax(z) - onehot(y)) / N, N = 1 included", "q6.cross_entropy_grad_matches_autograd"),
        ("stable: [[0, -1000]], rows with different maxima, logits > 710", "q6.cross_entropy_grad_is_stable"),
    ],
    "training_memory": [
        ("the six keys; a 2-3 net worked out by hand", "q7.training_memory_keys"),
        ("parameters = gradients = P bytes, weights and biases (bytes_per_value honoured)",
         "q7.parameters_and_gradients"),
        ("optimizer_state 0, P, 2P for sgd, momentum, adam", "q7.optimizer_state_copies"),
        ("activations: batch_size * sum(layer_sizes) values", "q7.activation_bytes_cover_every_layer"),
        ("per_example_gradients only when asked; total is the sum", "q7.per_example_gradients_and_total"),
        ("other optimizer names raise ValueError", "q7.rejects_unknown_optimizers"),
        ("equals what torch allocates for the same MLP and Adam", "q7.matches_torch_tensors"),
    ],
    "megabytes": [("megabytes_1 and megabytes_2 within 1 %", "q7.numeric_answers")],
    "sample_log_uniform": [
        ("samples in [low, high], requested size", "q8.search_ranges"),
        ("10 ** U(log10 low, log10 high): every decade equally", "q8.log_uniform_covers_every_decade_equally"),
        ("bounds honoured, not hard-coded (other bounds, KS of log10)", "q8.samplers_honour_their_bounds"),
        ("randomness only from rng", "q8.randomness_comes_from_rng"),
    ],
    "sample_beta": [
        ("samples in [low, high], requested size", "q8.search_ranges"),
        ("1 - beta log-uniform", "q8.beta_samples_one_minus_beta_log_uniformly"),
        ("bounds honoured, not hard-coded (other bounds, KS of log10(1 - beta))",
         "q8.samplers_honour_their_bounds"),
        ("randomness only from rng", "q8.randomness_comes_from_rng"),
    ],
    "lr_decay": [
        ("lr0 / (1 + decay_rate * epoch), epoch counted from 0", "q8.lr_decay_formula"),
    ],
}

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

CONVENTIONS = (
    ("float32 inputs give float32 results", conventions.all_float32_problems),
    ("the input SPEC names decides the dtype of mixed inputs", conventions.deciding_input_problems),
    ("no input (state included) modified in place", conventions.in_place_problems),
    ("array-likes (lists) accepted", conventions.array_like_problems),
)


def clauses() -> list[Clause]:
    """Every clause, optimization first, in SPEC order."""
    out = []
    for function, own in OWN.items():
        out += [Clause("optimization", function, text, case) for text, case in own]
        stub = conventions.STUBS.get(function)
        if stub is None:
            continue
        case = next(c.id for c in OPTIMIZATION_CASES if c.name == f"{function}_follows_the_conventions")
        for text, part in CONVENTIONS:
            if conventions.applies(part, stub):
                out.append(Clause("optimization", function, text, case, part))
    for function, own in MNIST_OWN.items():
        out += [Clause("mnist", function, text, case) for text, case in own]
    return out


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
def _fails(assignment, variant_id, case_id, part=None) -> bool:
    """Whether the variant fails the case (or, for a convention, breaks it)."""
    with _reproducible():
        return _run(assignment, variant_id, case_id, part)


def _run(assignment, variant_id, case_id, part):
    if assignment == "optimization":
        variant = next(v for v in _optimization_variants() if v.id == variant_id)
        namespace = student_namespace(variant)
        if part is not None:
            function = variant.function
            try:
                return bool(part(function, namespace, conventions.STUBS[function]))
            except AssertionError:
                return True
        return not run_case(_cases(assignment)[case_id], namespace).passed
    name, _, fn = next(v[:1] + v[2:] for v in mnist_variants.VARIANTS if f"{v[0]}.{v[2]}" == variant_id)
    namespace = {**{n: getattr(mnist_reference, n) for n in mnist_reference.__all__}, name: fn}
    return not run_case(_cases(assignment)[case_id], namespace).passed


def wrong_variants(assignment, function) -> list[str]:
    if assignment == "optimization":
        return [v.id for v in _optimization_variants() if v.function == function and not v.correct]
    return [f"{v[0]}.{v[2]}" for v in mnist_variants.VARIANTS
            if v[0] == function and v[2].startswith("wrong_")]


def killers(clause: Clause) -> list[str]:
    """The wrong variants of the clause's function that its case (or probe) rejects."""
    return [v.split(".", 1)[1] for v in wrong_variants(clause.assignment, clause.function)
            if _fails(clause.assignment, v, clause.case, clause.part)]


def render() -> str:
    """docs/spec-coverage.md."""
    rows = [(c, killers(c)) for c in clauses()]
    cases = {(c.assignment, c.case) for c, _ in rows}
    mutants = {(c.assignment, c.function, k) for c, ks in rows for k in ks}
    lines = [
        "# SPEC coverage: clause, case, killing mutants",
        "",
        "Generated by `tests/checks/test_spec_coverage.py` from `tests/support/spec_coverage.py`",
        "(regenerate with `ADVOPT_WRITE_COVERAGE=1 .venv/bin/python -m pytest",
        "tests/checks/test_spec_coverage.py`). Every",
        "clause of docs/spec.md that applies to a student-facing function, the case that checks it,",
        "and the wrong variants of `tests/mutants/` (`tests/mutants_mnist/` for mnist) it rejects.",
        "Convention clauses (dtype, in place, array-likes) list only the variants that break",
        "that convention. `BEST_HPARAMS` is checked by `q5.best_hparams_are_complete` and the",
        "benchmark (no mutants: a configuration, not a function); mnist's `minibatches` is",
        "assignment 1's, covered there.",
        "",
        f"Size: {len(rows)} clauses, {len(cases)} cases, {len(mutants)} distinct killing mutants.",
        "",
    ]
    current = None
    for clause, ks in rows:
        if (clause.assignment, clause.function) != current:
            current = (clause.assignment, clause.function)
            lines += ["", f"## {clause.assignment}: `{clause.function}`", "",
                      "| clause | case | killed by |", "|---|---|---|"]
        lines.append(f"| {clause.text} | `{clause.case}` | {', '.join(ks) or '**none**'} |")
    return "\n".join(lines) + "\n"
