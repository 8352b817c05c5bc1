"""The mnist checks tell wrong implementations from right ones (direct path).

The corpus (tests/mutants_mnist/) is loaded by tests/support/mnist_variants.py. Every wrong
variant must lose points on its question, every correct one must get full marks. (The
benchmark question is tested in test_mnist_benchmark.py.)
"""
import contextlib
from collections import Counter
from pathlib import Path

import pytest
import torch

import solutions.mnist as reference
from autograder.cases import run_case
from autograder.mnist import CASES
from mnist_variants import (FUNCTIONS, HELPERS, VARIANTS, graded_helpers, score, seed,
                            student_source)

NEEDS_A_GPU = {"fit.wrong_hard_codes_cpu"}   # caught only where "cuda" can be tried


@pytest.mark.parametrize("name, question, variant, fn", VARIANTS,
                         ids=[f"{v[0]}.{v[2]}" for v in VARIANTS])
def test_variant_is_judged_right(name, question, variant, fn):
    if f"{name}.{variant}" in NEEDS_A_GPU and not torch.cuda.is_available():
        pytest.skip("a CPU-only grader cannot tell .to('cpu') from .to(device)")
    points, max_points, failures = score(name, question, fn, variant)
    if variant.startswith("correct_"):
        assert points == max_points, failures
    else:
        assert points < max_points, "a wrong implementation got full marks"


def test_the_reference_gets_full_marks_outside_the_benchmark():
    namespace = {n: getattr(reference, n) for n in reference.__all__}
    failed = [(c.id, r.message) for c in CASES if c.question != "q6"
              for r in [run_case(c, namespace)] if not r.passed]
    assert failed == []


def test_the_helpers_prompts_invite_are_graded_code():
    defined = {helper for source in graded_helpers() for helper in HELPERS if f"def {helper}(" in source}
    assert defined == set(HELPERS), "a helper the prompts invite is missing from the graded cells"


def test_corpus_covers_every_function():
    correct = Counter(v[0] for v in VARIANTS if v[2].startswith("correct_"))
    wrong = Counter(v[0] for v in VARIANTS if v[2].startswith("wrong_"))
    for name in FUNCTIONS:
        assert correct[name] >= 2 and wrong[name] >= 4, name


# ------------------------------------------------------------------ the sealed grader's path
@pytest.fixture(scope="module")
def sandbox():
    """run(source) -> proxies of the student globals the mnist checks take."""
    from autograder.grading.sandbox import isolation
    from autograder.grading.batch import fork_server
    from autograder.grading.sandbox.process import TimeBudget
    from autograder.grading.runner import Limits

    root = Path(__file__).resolve().parents[2]
    server, processes, budgets = fork_server(), [], contextlib.ExitStack()
    uid = 1_900_000_000 if isolation.os.geteuid() == 0 else None
    plan = isolation.make_plan([root], Limits(timeout=120, memory_mb=2048), uid)

    def run(source):
        process = server.spawn(plan)
        processes.append(process)
        budgets.enter_context(process.charged_to(TimeBudget(120)))
        executed = process.execute([{"number": 1, "source": source}], {})
        assert executed["errors"] == [], executed["errors"]
        return process.describe(["minibatches", *FUNCTIONS, "BEST_HPARAMS"])
    yield run
    budgets.close()
    for process in processes:
        process.close()
    server.close()


SEALED = [v for v in VARIANTS if v[0] == "build_model" or v[2].startswith("correct_")]


@pytest.mark.parametrize("name, question, variant, fn", SEALED, ids=[f"{v[0]}.{v[2]}" for v in SEALED])
def test_the_sealed_grader_gives_the_same_scores(sandbox, name, question, variant, fn):
    proxies = sandbox(student_source(name, variant))
    sealed = [run_case(c, proxies, seed(name, variant)) for c in CASES if c.question == question]
    direct = score(name, question, fn, variant)
    failed = [f"{r.case.name}: {r.message}" for r in sealed if not r.passed]
    assert sum(r.score for r in sealed) == direct[0], failed
    assert [m.split(":")[0] for m in failed] == [m.split(":")[0] for m in direct[2]], failed


MODEL_STYLES = ("correct_module_list_per_kind", "correct_functional_relu_and_dropout")


@pytest.mark.parametrize("style", MODEL_STYLES)
def test_the_fit_checks_accept_every_correct_model_style(style):
    """The q3 checks read layers by shape: a correct fit keeps full marks whatever style
    the student's build_model registers its layers in."""
    build_model = next(fn for name, _, variant, fn in VARIANTS if variant == style)
    namespace = {**{n: getattr(reference, n) for n in reference.__all__}, "build_model": build_model}
    failed = [(c.id, r.message) for c in CASES if c.question == "q3"
              for r in [run_case(c, namespace)] if not r.passed]
    assert failed == []
