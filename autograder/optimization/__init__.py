"""Assignment 1, ``optimization``: the registry of test cases (docs/spec.md, Q1-Q8).

Every grading path (Otter test cells, the sealed bulk grader, the mutant tests) reads
``CASES``; the master notebook's test cells are rendered from it.
"""
from autograder.cases import Case
from autograder.optimization import public
from autograder.optimization.hidden import (
    q1_minibatches as q1, q2_init as q2, q3_dropout as q3, q4_batchnorm as q4,
    q5_optimizers as q5, q6_softmax as q6, q7_memory as q7, q8_search as q8,
)
from autograder.optimization.hidden import conventions as conv

NAME = "optimization"
# what students install beside Otter and Jupyter (dist/optimization/student/requirements.txt):
# the notebook and its public checks need NumPy and matplotlib only, no PyTorch
STUDENT_PACKAGES = ("numpy", "matplotlib")


def _hidden(question, *checks, points=1.0):
    return tuple(Case(question, check, points, hidden=True) for check in checks)


CASES = (
    Case("q1", public.minibatches_cover_the_data),
    *_hidden("q1", q1.keeps_every_sample_once, q1.shuffles_with_one_rng_permutation,
             q1.works_with_torch_tensors, q1.rejects_bad_arguments, q1.leaves_inputs_unchanged,
             conv.minibatches_follows_the_conventions),
    Case("q2", public.init_layer_shapes),
    *_hidden("q2", q2.he_matches_kaiming_normal, q2.glorot_matches_xavier_normal,
             q2.normal_has_std_001, q2.zeros_bias_and_unknown_scheme,
             q2.randomness_comes_from_rng),
    Case("q3", public.dropout_basics),
    *_hidden("q3", q3.mask_drops_p_and_scales_survivors, q3.mask_entries_are_independent,
             q3.mask_edge_cases,
             q3.forward_applies_the_mask, q3.forward_edge_probabilities, q3.evaluation_is_identity,
             q3.backward_multiplies_by_the_mask, q3.randomness_comes_from_rng,
             conv.dropout_forward_follows_the_conventions,
             conv.dropout_backward_follows_the_conventions),
    Case("q4", public.batchnorm_normalizes),
    *_hidden("q4", q4.training_forward_matches_torch, q4.evaluation_uses_running_statistics,
             q4.evaluation_accepts_one_sample,
             q4.output_dtype_follows_input, q4.backward_matches_autograd,
             q4.rejects_one_sample_and_keeps_inputs,
             conv.batchnorm_forward_follows_the_conventions,
             conv.batchnorm_backward_follows_the_conventions),
    Case("q5", public.optimizer_first_steps),
    *_hidden("q5", q5.momentum_matches_torch_sgd, q5.rmsprop_matches_torch,
             q5.adam_matches_torch, q5.adam_matches_torch_other_hyperparameters,
             q5.adam_rejects_step_zero, q5.steps_leave_inputs_unchanged,
             q5.ema_matches_the_recurrence, q5.ema_edge_values,
             conv.momentum_step_follows_the_conventions,
             conv.rmsprop_step_follows_the_conventions, conv.adam_step_follows_the_conventions,
             conv.ema_follows_the_conventions),
    Case("q6", public.softmax_basics),
    *_hidden("q6", q6.softmax_matches_torch, q6.softmax_is_stable, q6.jacobian_matches_autograd,
             q6.cross_entropy_matches_torch, q6.cross_entropy_is_stable,
             q6.cross_entropy_grad_matches_autograd, q6.cross_entropy_grad_is_stable,
             conv.softmax_follows_the_conventions, conv.softmax_jacobian_follows_the_conventions,
             conv.cross_entropy_follows_the_conventions,
             conv.cross_entropy_grad_follows_the_conventions),
    Case("q7", public.training_memory_keys),
    *_hidden("q7", q7.parameters_and_gradients, q7.optimizer_state_copies,
             q7.activation_bytes_cover_every_layer, q7.per_example_gradients_and_total,
             q7.training_memory_follows_the_conventions, q7.rejects_unknown_optimizers,
             q7.matches_torch_tensors, q7.numeric_answers),
    Case("q8", public.search_ranges),
    *_hidden("q8", q8.log_uniform_covers_every_decade_equally,
             q8.beta_samples_one_minus_beta_log_uniformly, q8.samplers_honour_their_bounds,
             q8.randomness_comes_from_rng,
             q8.lr_decay_formula),
)
