"""The mnist checks tell wrong implementations from right ones (direct path).

Variants live in tests/mutants_mnist/<student name>.py as ``correct_*`` / ``wrong_*``
functions; each replaces the student's function of that name in an otherwise reference
namespace. Every wrong variant must lose points on its question, every correct one must get
full marks. Each variant is graded with its own seed for the checks' drawn inputs (as the
sealed grader seeds each submission), so the corpus exercises many draws. (The benchmark
question is tested in test_mnist_benchmark.py.)
"""
import contextlib
import importlib
import inspect
import textwrap
import zlib
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import torch

import solutions.mnist as reference
from autograder.cases import run_case
from autograder.mnist import CASES

IMPORTS = ("import numpy as np\nimport pandas as pd\nimport torch\nimport torch.nn as nn\n"
           "import torch.nn.functional as F")
NOTEBOOK = Path(__file__).resolve().parent.parent / "assignments" / "mnist" / "mnist.ipynb"
HELPERS = ("accuracy",)   # notebook functions the prompts invite students to call
NEEDS_A_GPU = {"fit.wrong_hard_codes_cpu"}   # caught only where "cuda" can be tried
FUNCTIONS = {"build_model": "q2", "fit": "q3", "random_search": "q4"}


def graded_helpers() -> list[str]:
    """Sources of the notebook's graded (not otter_ignore) cells that define the helpers its
    prompts invite students to call, e.g. ``accuracy(model, X, y)`` in random_search."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"
            and "otter_ignore" not in cell.metadata.get("tags", [])
            and any(f"def {helper}(" in cell.source for helper in HELPERS)]


def load_variants():
    out = []
    for name, question in FUNCTIONS.items():
        module = importlib.import_module(f"mutants_mnist.{name}")
        for helper in ("minibatches", "build_model", "fit"):   # what student code may call
            setattr(module, helper, getattr(reference, helper))
        for source in graded_helpers():
            exec(compile(source, "<notebook helpers>", "exec"), vars(module))
        out += [(name, question, variant, fn) for variant, fn in vars(module).items()
                if inspect.isfunction(fn) and variant.startswith(("correct_", "wrong_"))]
    return out


VARIANTS = load_variants()


def seed(name, variant) -> int:
    """The variant's seed for the checks' drawn inputs."""
    return zlib.crc32(f"{name}.{variant}".encode())


def score(name, question, fn, variant=""):
    namespace = {**{n: getattr(reference, n) for n in reference.__all__}, name: fn}
    results = [run_case(c, namespace, seed(name, variant)) for c in CASES if c.question == question]
    return (sum(r.score for r in results), sum(r.case.points for r in results),
            [f"{r.case.name}: {r.message}" for r in results if not r.passed])


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
    from autograder.grading import isolation
    from autograder.grading.batch import fork_server
    from autograder.grading.process import TimeBudget
    from autograder.grading.runner import Limits

    root = Path(__file__).resolve().parent.parent
    server, processes, budgets = fork_server(), [], contextlib.ExitStack()
    uid = 1_900_000_000 if isolation.os.geteuid() == 0 else None
    plan = isolation.make_plan([root], Limits(timeout=120, memory_mb=2048), uid)

    def run(source):
        process = server.spawn(plan)
        processes.append(process)
        budgets.enter_context(process.charged_to(TimeBudget(120)))
        executed = process.execute([{"index": 0, "source": source}], {})
        assert executed["errors"] == [], executed["errors"]
        return process.describe(["minibatches", *FUNCTIONS, "BEST_HPARAMS"])
    yield run
    budgets.close()
    for process in processes:
        process.close()
    server.close()


def student_source(name, variant):
    """A notebook's code in one cell: the reference answers, then the variant's module (its
    helpers included) with the variant as ``name``."""
    answers = [textwrap.dedent(inspect.getsource(getattr(reference, n)))
               for n in ("minibatches", "build_model", "fit", "random_search")]
    module = importlib.import_module(f"mutants_mnist.{name}")
    return "\n\n".join([IMPORTS, *answers, f"BEST_HPARAMS = {reference.BEST_HPARAMS!r}",
                        *graded_helpers(), inspect.getsource(module), f"{name} = {variant}"])


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
