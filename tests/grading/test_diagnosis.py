"""Diagnosis of failed cases (autograder/grading/diagnosis.py, autograder/optimization/
mistakes.py): recording, the leave-one-out measure on the mutant corpus, and the sealed
grader end to end.

Leave-one-out: the library's mistake functions are written independently of tests/mutants/
(no file of the corpus is in the library), so diagnosing every wrong mutant measures how
often a second implementation of the same mistake is recognized. Figures are printed and
written to dist/diagnosis/leave-one-out.json:

    .venv/bin/python -m pytest tests/grading/test_diagnosis.py -q -s -k leave_one_out
"""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import grading_notebooks as nbs
from autograder.cases import Case, CaseResult, run_case
from autograder.grading import diagnosis
from autograder.grading.batch import grade_folder
from autograder.grading.outputs.feedback import render
from autograder.grading.results import Result, case_record
from autograder.grading.runner import Limits
from autograder.optimization import CASES
from autograder.optimization.mistakes import MISTAKES
from mutant_harness import Variant, load_variants, student_namespace

VARIANTS = load_variants()

# The library name of each wrong variant: "<function>.<variant name without wrong_>" unless
# listed here.
EXPECTED = {
    # uniform and log-uniform beta are nearly one distribution on [0.9, 0.999]: one entry
    "sample_beta.wrong_beta_log_uniform": "sample_beta.beta_on_linear_scale",
    "sample_beta.wrong_linear": "sample_beta.beta_on_linear_scale",
    # one class under the library's name
    "batchnorm_forward.wrong_float64_result": "batchnorm_forward.computes_in_float64",
    "momentum_step.wrong_float_copies": "momentum_step.computes_in_float64",
    "rmsprop_step.wrong_float_copies": "rmsprop_step.computes_in_float64",
    "ema.wrong_shape_of_a_list": "ema.array_methods_on_lists",
    "softmax_jacobian.wrong_reshape_of_a_list": "softmax_jacobian.array_methods_on_lists",
}
# Further names that are true of the variant's notebook: there the reference function
# calls the variant (reference dropout_forward uses the student's dropout_mask, reference
# sample_beta the student's sample_log_uniform), so it inherits the mistake.
INHERITED = {
    "dropout_mask.wrong_p_is_keep_probability": {"dropout_forward.keep_probability"},
    "dropout_mask.wrong_divides_by_zero_at_p1": {"dropout_forward.nan_at_p1"},
    "sample_log_uniform.wrong_linear_scale": {"sample_beta.beta_on_linear_scale"},
    "softmax.wrong_global_max": {"cross_entropy_grad.global_max"},
    "softmax.wrong_no_max_shift": {"cross_entropy_grad.no_max_shift"},
    "softmax.wrong_subtracts_the_mean": {"cross_entropy_grad.subtracts_the_mean"},
    "softmax.wrong_computes_in_float64": {"cross_entropy_grad.float64_out"},
    "sample_log_uniform.wrong_global_numpy_random": {"sample_beta.global_numpy_random"},
}
# Classes no replay names as the engine compares (their checks' messages name them); kept out
# of the right-rate, never allowed a wrong name. The library has no entry where a replay
# would name a right answer too.
UNNAMED = {
    # a result of the wrong type: the replay compares values, and a list equals the array it
    # holds, a 0-d array or 36.0 the number
    "softmax_jacobian.returns_nested_lists", "cross_entropy.zero_d_array",
    "lr_decay.returns_an_array", "training_memory.float_byte_counts", "ema.returns_a_list",
    "sample_log_uniform.returns_a_list", "minibatches.yields_lists_of_rows",
    # dependence between entries: the replay compares each call's summary statistics, which a
    # mask per feature or an exact count of drops shares with a right mask
    "dropout_mask.one_mask_per_feature", "dropout_mask.exact_drop_count",
    # a generator raising while iterated: the recording marks it ended, the replay not
    "minibatches.lists_not_converted",
}
TARGETS = {"right": 0.90, "wrong": 0.02}


def mutant_harness_variant(function, name, source) -> Variant:
    return Variant(function, f"wrong_{name}", source)


def expected(variant) -> str:
    return EXPECTED.get(variant.id, f"{variant.function}.{variant.name.removeprefix('wrong_')}")


def library_names() -> set[str]:
    return {f"{key if isinstance(entry, diagnosis.Answers) else entry.function}.{m.name}"
            for key, entry in MISTAKES.items() for m in entry.mistakes}


def diagnose(variant, every_case=False) -> tuple[set[str], set[str]]:
    """(names diagnosed, general comparisons) on the variant's question: on its failed
    cases, or on every case. A comparison is made where no name is, as in the grader."""
    namespace, names, general = student_namespace(variant), set(), set()
    for case in CASES:
        if case.question != variant.question:
            continue
        recording = diagnosis.Recording(namespace, case.needs)
        result = run_case(case, recording.namespace)
        if every_case or not result.passed:
            found = {d["name"] for d in diagnosis.find(recording, MISTAKES)}
            names |= found
            if not found:
                general |= {d["explanation"] for d in diagnosis.compared(recording, MISTAKES)}
    return names, general


def measure() -> dict:
    rows = []
    for variant in VARIANTS:
        names, general = diagnose(variant, every_case=variant.correct)
        want = None if variant.correct else expected(variant)
        allowed = {want, *INHERITED.get(variant.id, ())}
        rows.append({"variant": variant.id, "correct": variant.correct, "expected": want,
                     "named": sorted(names), "compared": sorted(general), "right": want in names,
                     "wrong": sorted(names - allowed),
                     "wrong_strict": sorted(names - {want})})
    wrong = [r for r in rows if not r["correct"] and r["expected"] not in UNNAMED]
    correct = [r for r in rows if r["correct"]]
    figures = {
        "wrong_variants": len(wrong),
        "unnamed_by_design": sum(r["expected"] in UNNAMED for r in rows),
        "unnamed_named_wrong": sum(bool(r["wrong"]) for r in rows if r["expected"] in UNNAMED),
        "right_named": sum(r["right"] for r in wrong),
        "wrong_named": sum(bool(r["wrong"]) for r in wrong),
        "wrong_named_strict": sum(bool(r["wrong_strict"]) for r in wrong),
        "correct_variants": len(correct),
        "correct_diagnosed": sum(bool(r["named"]) for r in correct),
        "wrong_said_something": sum(bool(r["named"] or r["compared"]) for r in wrong),
        "correct_compared": sum(bool(r["compared"]) for r in correct),
    }
    figures["right_rate"] = figures["right_named"] / len(wrong)
    figures["wrong_rate"] = figures["wrong_named"] / len(wrong)
    figures["wrong_rate_strict"] = figures["wrong_named_strict"] / len(wrong)
    return {"figures": figures, "rows": rows}


def test_every_mistake_class_of_the_corpus_has_a_library_entry():
    missing = sorted({expected(v) for v in VARIANTS if not v.correct} - library_names()
                     - UNNAMED)
    assert not missing, f"mutant classes without a library entry: {missing}"


def test_leave_one_out_on_the_mutant_corpus():
    report = measure()
    figures = report["figures"]
    out = Path("dist/diagnosis/leave-one-out.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print("\n" + "\n".join(f"{'ok ' if r['right'] or r['correct'] else 'MISS'} "
                           f"{r['variant']:55} {', '.join(r['named']) or '-'}"
                           for r in report["rows"]))
    print(json.dumps(figures, indent=1))
    assert figures["correct_diagnosed"] == 0, [r for r in report["rows"]
                                               if r["correct"] and r["named"]]
    assert figures["correct_compared"] == 0, [r for r in report["rows"]
                                              if r["correct"] and r["compared"]]
    assert figures["right_rate"] >= TARGETS["right"], [r for r in report["rows"]
                                                       if not r["correct"] and not r["right"]]
    assert figures["wrong_rate"] <= TARGETS["wrong"], [r for r in report["rows"] if r["wrong"]]
    assert figures["unnamed_named_wrong"] == 0, [r for r in report["rows"]
                                                 if r["expected"] in UNNAMED and r["wrong"]]


# ----------------------------------------------------------------------------- recording
def test_recording_copies_arguments_before_the_call_and_keeps_generator_functions():
    def scale_in_place(w):
        w *= 2
        return w

    def batches(X):
        yield from X

    recording = diagnosis.Recording({"f": scale_in_place, "g": batches, "n": 3}, ("f", "g", "n"))
    w = np.ones(3)
    recording.namespace["f"](w)
    assert list(recording.namespace["g"]([1, 2])) == [1, 2]
    call = recording.calls["f"][0]
    assert np.array_equal(call.args[0], np.ones(3)), "arguments are copied before the call"
    assert np.array_equal(call.outcome.after[0][0], 2 * np.ones(3)), "and after it"
    assert recording.generator == {"f": False, "g": True}
    assert recording.calls["g"][0].outcome.items == [1, 2] and recording.calls["g"][0].outcome.ended
    assert recording.namespace["n"] == 3 and recording.namespace["f"].__name__ == "scale_in_place"


def test_large_arguments_are_not_recorded_and_name_nothing():
    def double(x):
        return x * 2

    recording = diagnosis.Recording({"double": double}, ("double",))
    recording.namespace["double"](np.zeros(diagnosis.MAX_ELEMENTS + 1))
    assert recording.calls["double"] == [] and "double" in recording.incomplete


def biased_running_var(seed: int) -> diagnosis.Recording:
    """A recording of one call of a batchnorm_forward whose running variance is biased and
    whose cache is the student's own object (a handle in the sealed grader)."""
    class Cache:
        pass

    def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True,
                          momentum=0.1, eps=1e-5):
        mean, var = x.mean(0), x.var(0)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var  # biased: the mistake
        return gamma * (x - mean) / np.sqrt(var + eps) + beta, Cache(), new_mean, new_var

    recording = diagnosis.Recording({"batchnorm_forward": batchnorm_forward},
                                    ("batchnorm_forward",))
    x = np.random.default_rng(seed).normal(size=(8, 3))
    recording.namespace["batchnorm_forward"](x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    return recording


def names(found) -> list[str]:
    return [d["name"] for d in found]


def test_a_result_holding_a_student_object_is_judged_without_it():
    """batchnorm_forward's cache may be the student's own object: the judged part (out,
    running statistics) still names the mistake."""
    assert names(diagnosis.find(biased_running_var(0), MISTAKES)) == [
        "batchnorm_forward.biased_running_var"]
    assert diagnosis.find(biased_running_var(1), MISTAKES, budget_s=0) == [], \
        "the time budget holds"


def test_calls_recorded_alike_are_diagnosed_once_and_a_cut_replay_is_not_remembered(
        monkeypatch):
    """The second student whose calls were recorded alike gets the first one's diagnosis
    without a replay; a replay the time budget cut short names nothing and is not kept."""
    assert diagnosis.find(biased_running_var(2), MISTAKES, budget_s=0) == []
    assert names(diagnosis.find(biased_running_var(2), MISTAKES)) == [
        "batchnorm_forward.biased_running_var"], "the cut replay was remembered"

    def no_replay(*args):
        raise AssertionError("replayed again")
    monkeypatch.setattr(diagnosis, "_Trial", no_replay)
    again = diagnosis.find(biased_running_var(2), MISTAKES)
    assert names(again) == ["batchnorm_forward.biased_running_var"]
    assert diagnosis.find(biased_running_var(3), MISTAKES) == [], \
        "other calls (here: other data) are replayed, not looked up"


def test_a_correct_function_is_never_diagnosed_even_on_calls_a_mistake_agrees_with():
    """momentum_step with the default beta: ignoring beta gives the same result."""
    def momentum_step(w, dw, v, lr, beta=0.9):
        v = beta * v + (1 - beta) * dw
        return w - lr * v, v

    namespace = {"momentum_step": momentum_step}
    recording = diagnosis.Recording(namespace, ("momentum_step",))
    recording.namespace["momentum_step"](np.ones(3), np.ones(3), np.zeros(3), 0.1)
    assert diagnosis.find(recording, MISTAKES) == []


# ----------------------------------------------------------------------------- outputs
def test_diagnosis_reaches_the_case_record_and_the_feedback():
    case = next(c for c in CASES if c.name == "adam_matches_torch_other_hyperparameters")
    variant = next(v for v in VARIANTS if v.id == "adam_step.wrong_eps_inside_sqrt")
    recording = diagnosis.Recording(student_namespace(variant), case.needs)
    result = diagnosis.diagnosed(run_case(case, recording.namespace), recording)
    record = case_record(case, result)
    assert [d["name"] for d in record["diagnosis"]] == ["adam_step.eps_inside_sqrt"]
    text = render(Result("alice", "alice.ipynb", "", "", cases=[record]), {"q5": case.points})
    assert "your `adam_step` behaves like: eps is inside the square root" in text
    passed = case_record(case, CaseResult(case, True))
    assert passed["diagnosis"] == [] and "behaves like" not in render(
        Result("bob", "bob.ipynb", "", "", cases=[passed]), {"q5": case.points})


# ----------------------------------------------------------------------------- general
PERCENT = '''
def softmax(z):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return 100 * e / e.sum(axis=-1, keepdims=True)
'''


def test_without_a_known_mistake_the_feedback_says_what_differs():
    """softmax in percent is no library mistake: the diagnosis says how the student's
    result differs from the correct one, and the feedback shows it as a comparison."""
    variant = mutant_harness_variant("softmax", "percent", PERCENT)
    assert "softmax.percent" not in library_names()
    case = next(c for c in CASES if c.name == "softmax_matches_torch")
    recording = diagnosis.Recording(student_namespace(variant), case.needs)
    result = diagnosis.diagnosed(run_case(case, recording.namespace), recording)
    assert not result.passed
    [found] = result.diagnosis
    assert found == {"name": "softmax.compared", "general": True,
                     "explanation": "returns 100 times the expected values"}
    record = case_record(case, result)
    text = render(Result("e", "e.ipynb", "", "", cases=[record]), {"q6": case.points})
    assert "compared with a correct `softmax` on one of this test's inputs, yours returns " \
           "100 times the expected values" in text


def test_an_input_changed_in_place_is_said():
    def softmax(z):
        z -= z.max()   # in place: the caller's logits change
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    known = MISTAKES["softmax"]
    recording = diagnosis.Recording({"softmax": softmax}, ("softmax",))
    recording.namespace["softmax"](np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]]))
    [found] = diagnosis.compared(recording, {"softmax": replace(known, mistakes=())})
    assert found["explanation"] == "changes z in place: z is now its values before the call " \
                                   "minus 4", found


def test_stubs_are_not_implemented_and_never_diagnosed():
    """An untouched stub (body ``...``) fails every case with "not implemented yet"; no
    mistake or comparison is named for it, also in a case that only looked at its kind
    (minibatches is no generator function), once any case saw it return None."""
    stub = mutant_harness_variant("minibatches", "stub", "def minibatches(X, y, batch_size, "
                                  "shuffle=True, rng=None):\n    \"\"\"doc\"\"\"\n    ...\n")
    namespace, results, stubs = student_namespace(stub), [], set()
    for case in (c for c in CASES if c.question == "q1"):
        recording = diagnosis.Recording(namespace, case.needs)
        results.append(diagnosis.diagnosed(run_case(case, recording.namespace), recording))
        stubs |= recording.stubs()
    assert stubs == {"minibatches"}
    results = [diagnosis.without_stubs(r, stubs) for r in results]
    assert not any(r.passed for r in results)
    assert all(r.diagnosis == () for r in results), [r.diagnosis for r in results]
    called = [r for r in results if "not implemented yet" in r.message]
    assert len(called) >= len(results) - 1, [r.message for r in results]

    def raises(*args, **kwargs):
        raise NotImplementedError
    case = next(c for c in CASES if c.name == "adam_matches_torch")
    assert "adam_step is not implemented yet" in run_case(case, {"adam_step": raises}).message


def test_several_matches_are_listed():
    case = Case("q1", lambda f: None)
    found = [{"name": "f.a", "explanation": "first"}, {"name": "f.b", "explanation": "second"}]
    record = case_record(case, CaseResult(case, False, "x", diagnosis=tuple(found)))
    text = render(Result("c", "c.ipynb", "", "", cases=[record]), {"q1": 1.0})
    assert "several known mistakes" in text and "first" in text and "second" in text


@pytest.mark.slow
def test_sealed_grader_names_the_mistakes(tmp_path):
    """Three notebooks through `make grade`'s engine: each failed case of a wrong function
    names its mistake in results/ and feedback/; a solution notebook gets none."""
    picks = {"alice": ["adam_step.wrong_eps_inside_sqrt", "softmax.wrong_no_max_shift"],
             "bob": ["dropout_mask.wrong_scaled_by_keep_prob", "minibatches.wrong_returns_a_list"],
             "carol": ["training_memory.wrong_forgets_biases", "megabytes.wrong_mebibytes"],
             "dave": []}
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    by_id = {v.id: v for v in VARIANTS}
    for student, ids in picks.items():
        cells = nbs.solution_cells()
        for variant in (by_id[i] for i in ids):
            cells = [variant.source if nbs.defines(c, variant.function) else c for c in cells]
        (folder / f"{student}.ipynb").write_bytes(nbs.notebook(cells))
    summary = grade_folder(folder, out, limits=Limits(timeout=60), progress=False)
    assert summary.statuses["graded"] == len(picks)
    for student, ids in picks.items():
        cases = json.loads((out / "results" / f"{student}.json").read_text())["cases"]
        named = {d["name"] for c in cases for d in c["diagnosis"]}
        wanted = {expected(by_id[i]) for i in ids}
        inherited = set().union(*(INHERITED.get(i, set()) for i in ids))
        assert wanted <= named <= wanted | inherited, (student, named)
        assert all(not c["diagnosis"] for c in cases if c["passed"])
        needs = {c.id: {n.removesuffix("_1").removesuffix("_2") for n in c.needs} for c in CASES}
        assert all(d["name"].split(".")[0] in needs[c["id"]] for c in cases
                   for d in c["diagnosis"]), "a diagnosis names a function the case uses"
        feedback = (out / "feedback" / f"{student}.md").read_text()
        assert ("behaves like" in feedback) == bool(ids)
