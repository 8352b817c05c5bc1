"""Assignment 2, ``mnist``: the registry of test cases (docs/spec.md, "Assignment 2").

Q1 minibatches over tensors, Q2 build_model, Q3 fit, Q4 random_search, Q5 BEST_HPARAMS,
Q6 the benchmark (GPU question: ``advopt grade --gpu`` grades it on a GPU machine).
"""
from autograder.cases import Case
from autograder.measurement import Benchmark
from autograder.mnist import public
from autograder.mnist.hidden import q2_model as q2, q3_fit as q3, q4_search as q4
from autograder.mnist.hidden import q6_benchmark as q6
from autograder.optimization.hidden import q1_minibatches as q1

NAME = "mnist"
GPU_QUESTIONS = ("q6",)
BENCHMARK = Benchmark("q6", q6.measure)  # measured once, judged by q6's cases
SUPPORT_FILES = {"mnist_data.py": "autograder.mnist.data"}  # shipped next to the notebook
STUDENT_PACKAGES = ("numpy", "matplotlib", "pandas", "torch")  # requirements.txt


def _hidden(question, *checks, points=1.0):
    return tuple(Case(question, check, points, hidden=True) for check in checks)


CASES = (
    Case("q1", public.minibatches_split_tensors),
    *_hidden("q1", q1.works_with_torch_tensors, q1.shuffles_with_one_rng_permutation,
             q1.keeps_every_sample_once),
    Case("q2", public.model_maps_784_to_10),
    *_hidden("q2", q2.layers_in_order, q2.sizes_and_rates_follow_hparams, q2.outputs_logits,
             q2.batch_norm_keeps_running_statistics),
    Case("q3", public.fit_returns_epoch_losses),
    *_hidden("q3", q3.learns_a_separable_problem, q3.draws_every_minibatch, q3.steps_with_adam,
             q3.leaves_the_data_unchanged, q3.matches_the_reference_steps,
             q3.trains_in_training_mode, q3.returns_the_mean_loss_per_epoch,
             q3.averages_the_loss_over_the_batch,
             q3.decays_the_learning_rate_per_epoch, q3.keeps_the_model_on_the_device),
    Case("q4", public.search_returns_a_table),
    *_hidden("q4", q4.sorted_best_first, q4.samples_lr_log_uniformly, q4.randomness_comes_from_rng,
             q4.measures_on_the_validation_set, q4.trains_a_fresh_model_per_trial),
    Case("q5", public.best_hparams_are_complete),
    *_hidden("q6", q6.reaches_90_percent, q6.reaches_95_percent, q6.reaches_97_percent),
    *_hidden("q6", q6.reaches_98_percent, points=2.0),
)

# Gradescope: the CPU benchmark trains on 60,000 images; select this container size in the
# assignment's autograder settings (the release measures grading under it).
GRADESCOPE_LIMITS = {"cpus": 2.0, "memory_mb": 3072}
