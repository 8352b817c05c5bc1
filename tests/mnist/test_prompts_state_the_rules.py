"""No hidden rule in mnist: every case of Q2-Q5 checks a rule that its question's prompt in
the master notebook states, in the words quoted here (a prompt edited without its rule, or
a case added without a prompt sentence, fails)."""
import re
from pathlib import Path

import nbformat
import pytest

from autograder.mnist import CASES

NOTEBOOK = Path(__file__).resolve().parents[2] / "assignments" / "mnist" / "mnist.ipynb"

STATED = {
    "q2.model_maps_784_to_10": ["batch norm between the `Linear` and the `ReLU`, dropout right "
                                "after the `ReLU`, and no softmax or log-softmax at the end"],
    "q2.layers_in_order": ["one `Linear -> BatchNorm1d -> ReLU -> Dropout(hparams[\"dropout\"])` "
                           "block per entry", "a learnable scale and shift, `eps=1e-5`"],
    "q2.sizes_and_rates_follow_hparams": ["every hidden layer has its own modules, also when two "
                                          "layers have the same width",
                                          "Dropout(hparams[\"dropout\"])` block per entry"],
    "q2.outputs_logits": ["In evaluation mode (`model.eval()`) batch norm uses the running "
                          "statistics and nothing is dropped"],
    "q2.batch_norm_keeps_running_statistics": ["running statistics updated with `momentum=0.1`"],
    "q3.fit_returns_epoch_losses": ["the returned losses are Python floats",
                                    "put it in training mode", "draws **every** minibatch"],
    "q3.learns_a_separable_problem": ["takes one step per minibatch"],
    "q3.draws_every_minibatch": ["the partial last one included"],
    "q3.steps_with_adam": ["create `torch.optim.Adam(model.parameters(), lr=hparams[\"lr\"])`"],
    "q3.leaves_the_data_unchanged": ["`X` and `y` are never modified"],
    "q3.matches_the_reference_steps": ["`optimizer.zero_grad()`", "once per call, with Adam's "
                                       "default betas and eps (no weight decay)"],
    "q3.trains_in_training_mode": ["the checks pass a model left in evaluation mode"],
    "q3.returns_the_mean_loss_per_epoch": ["the mean of that epoch's minibatch losses"],
    "q3.averages_the_loss_over_the_batch": ["its default `reduction=\"mean\"`: a summed loss "
                                            "makes every gradient `N` times larger"],
    "q3.decays_the_learning_rate_per_epoch": ["train epoch $e$ (from 0) with the inverse-time "
                                              "decay"],
    "q3.keeps_the_model_on_the_device": ["move the model to `device`"],
    "q4.search_returns_a_table": ["sorted best first", "`val_accuracy` (a fraction in $[0, 1]$)"],
    "q4.sorted_best_first": ["sorted best first"],
    "q4.samples_lr_log_uniformly": ["learning rate log-uniform over at least two decades"],
    "q4.randomness_comes_from_rng": ["The same `rng` seed must give the same table",
                                     "pass `\"seed\": int(rng.integers(2**31))` to `fit` and "
                                     "`torch.manual_seed`"],
    "q4.measures_on_the_validation_set": ["its accuracy on `X_val, y_val` in evaluation mode"],
    "q4.trains_a_fresh_model_per_trial": ["every trial trains its own model from scratch"],
    "q5.best_hparams_are_complete": ["keys `hidden` (a list of positive ints)"],
}
CHECKED = [c for c in CASES if c.question in ("q2", "q3", "q4", "q5")]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def prompt(question: str) -> str:
    """The markdown of "**Question N.**" (one line break apart is one space)."""
    number = question.removeprefix("q")
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "markdown" and c.source.startswith(f"**Question {number}.**")]
    assert len(cells) == 1, f"no single prompt for {question}"
    return _flat(cells[0])


@pytest.mark.parametrize("case", CHECKED, ids=lambda c: c.id)
def test_the_prompt_states_what_the_case_checks(case):
    assert case.id in STATED, f"{case.id}: quote the prompt sentence that states its rule"
    missing = [p for p in STATED[case.id] if _flat(p) not in prompt(case.question)]
    assert missing == [], f"the prompt of {case.question} no longer says: {missing}"


def test_every_quoted_case_exists():
    assert set(STATED) == {c.id for c in CHECKED}
