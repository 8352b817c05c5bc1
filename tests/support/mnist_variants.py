"""The mnist mutant corpus (tests/mutants_mnist/): variants of the student functions, the
notebook helpers they may call, and their direct-path score.

Variants live in tests/mutants_mnist/<student name>.py as ``correct_*`` / ``wrong_*``
functions; each replaces the student's function of that name in an otherwise reference
namespace. ``VARIANTS``: (student name, question, variant name, function). Each variant is
graded with its own seed for the checks' drawn inputs (``seed``, as the sealed grader seeds
each submission), so the corpus exercises many draws.
"""
import importlib
import inspect
import textwrap
import zlib
from pathlib import Path

import nbformat

import solutions.mnist as reference
from autograder.cases import run_case
from autograder.mnist import CASES

IMPORTS = ("import numpy as np\nimport pandas as pd\nimport torch\nimport torch.nn as nn\n"
           "import torch.nn.functional as F")
NOTEBOOK = Path(__file__).resolve().parents[2] / "assignments" / "mnist" / "mnist.ipynb"
HELPERS = ("accuracy",)   # notebook functions the prompts invite students to call
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


def student_source(name, variant):
    """A notebook's code in one cell: the reference answers, then the variant's module (its
    helpers included) with the variant as ``name``."""
    answers = [textwrap.dedent(inspect.getsource(getattr(reference, n)))
               for n in ("minibatches", "build_model", "fit", "random_search")]
    module = importlib.import_module(f"mutants_mnist.{name}")
    return "\n\n".join([IMPORTS, *answers, f"BEST_HPARAMS = {reference.BEST_HPARAMS!r}",
                        *graded_helpers(), inspect.getsource(module), f"{name} = {variant}"])
