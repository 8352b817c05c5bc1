"""Every student-facing name is wired into every place a question needs (the checklist of
docs/adding-a-question.md): each name in a solution package's ``__all__`` has its
signature entry, cases that take it, its input space, its conventions judge and case where
it takes arrays, known mistakes, mutants and clauses in the coverage matrix."""
import inspect
import re
from pathlib import Path

import pytest

import solutions.mnist as mnist_reference
import solutions.optimization as reference
from autograder.assignment import load_assignment
from autograder.optimization import public
from autograder.optimization.hidden import conventions
from autograder.optimization.hidden.space import SPACES
from autograder.optimization.mistakes import MISTAKES
from spec_coverage import MNIST_OWN, OWN

TESTS = Path(__file__).resolve().parents[1]
NUMBERS = {"megabytes_1": "megabytes", "megabytes_2": "megabytes"}  # Q7's numeric answers
NO_ARRAY_INPUTS = {  # no array arguments: their conventions are judged in their own cases
    "init_layer": "layer sizes, a scheme name and an rng",
    "dropout_mask": "a shape, a rate and an rng",
    "training_memory": "layer sizes, a batch size and an optimizer name",
    "sample_log_uniform": "bounds, a size and an rng",
    "sample_beta": "bounds, a size and an rng",
    "lr_decay": "numbers",
}
OPTIMIZATION = list(reference.__all__)
FUNCTIONS = [n for n in OPTIMIZATION if callable(getattr(reference, n))]


def corpus_name(name: str) -> str:
    """The name a student answer has in mutants, MISTAKES and the coverage matrix."""
    return NUMBERS.get(name, name)


def variants(folder: str, name: str) -> tuple[list[str], list[str]]:
    """(correct, wrong) variant names of tests/<folder>/<name>.py, read as text."""
    path = TESTS / folder / f"{name}.py"
    text = path.read_text() if path.exists() else ""
    names = re.findall(r"(?m)^(?:def |    \")((?:correct|wrong)_\w+)", text)
    return ([n for n in names if n.startswith("correct_")],
            [n for n in names if n.startswith("wrong_")])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_signature_entry_matches_the_solution(name):
    parameters = tuple(inspect.signature(getattr(reference, name)).parameters)
    assert public.SIGNATURES.get(name) == parameters, \
        f"autograder/optimization/public.py: SIGNATURES[{name!r}] = {parameters}"


@pytest.mark.parametrize("assignment, names", [("optimization", OPTIMIZATION),
                                               ("mnist", list(mnist_reference.__all__))])
def test_every_name_has_cases(assignment, names):
    taken = {n for case in load_assignment(assignment).cases for n in case.needs}
    assert [n for n in names if n not in taken] == [], f"no case of {assignment} takes them"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_has_its_input_space(name):
    assert name in SPACES, f"autograder/optimization/hidden/space.py: SPACES[{name!r}] is missing"


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n not in NO_ARRAY_INPUTS])
def test_functions_taking_arrays_have_their_conventions(name):
    assert name in conventions.JUDGES, \
        f"autograder/optimization/hidden/conventions.py: JUDGES[{name!r}] is missing"
    assert any(c.name == f"{name}_follows_the_conventions"
               for c in load_assignment("optimization").cases), \
        f"no {name}_follows_the_conventions case in CASES"


def test_the_exemptions_name_functions_of_the_assignment():
    assert set(NO_ARRAY_INPUTS) <= set(FUNCTIONS)


@pytest.mark.parametrize("name", OPTIMIZATION)
def test_every_name_has_mistakes_mutants_and_clauses(name):
    key = corpus_name(name)
    assert key in MISTAKES, f"autograder/optimization/mistakes.py: MISTAKES[{key!r}]"
    assert key in OWN, f"tests/support/spec_coverage.py: OWN[{key!r}]"
    if key in NUMBERS.values():
        from mutants.megabytes import VARIANTS

        correct = [v for v in VARIANTS if v.startswith("correct_")]
        wrong = [v for v in VARIANTS if v.startswith("wrong_")]
    else:
        correct, wrong = variants("mutants", key)
    assert len(correct) >= 2 and len(wrong) >= 4, \
        f"tests/mutants/{key}.py: at least 2 correct_ and 4 wrong_ variants"


@pytest.mark.parametrize("name", [n for n in mnist_reference.__all__
                                  if callable(getattr(mnist_reference, n))
                                  and n not in OPTIMIZATION])
def test_every_mnist_function_has_mutants_and_clauses(name):
    correct, wrong = variants("mutants_mnist", name)
    assert len(correct) >= 2 and len(wrong) >= 4, \
        f"tests/mutants_mnist/{name}.py: at least 2 correct_ and 4 wrong_ variants"
    assert name in MNIST_OWN, f"tests/support/spec_coverage.py: MNIST_OWN[{name!r}]"


def test_a_forgotten_entry_is_caught(monkeypatch):
    """The checklist fails for a function missing from each place."""
    monkeypatch.setitem(public.SIGNATURES, "ema", ("values",))
    with pytest.raises(AssertionError, match="SIGNATURES"):
        test_signature_entry_matches_the_solution("ema")
    monkeypatch.delitem(SPACES, "softmax")
    with pytest.raises(AssertionError, match="SPACES"):
        test_every_function_has_its_input_space("softmax")
    monkeypatch.delitem(conventions.JUDGES, "softmax")
    with pytest.raises(AssertionError, match="JUDGES"):
        test_functions_taking_arrays_have_their_conventions("softmax")
    monkeypatch.delitem(MISTAKES, "lr_decay")
    with pytest.raises(AssertionError, match="MISTAKES"):
        test_every_name_has_mistakes_mutants_and_clauses("lr_decay")
    with pytest.raises(AssertionError, match="no case"):
        test_every_name_has_cases("optimization", OPTIMIZATION + ["clip_gradients"])
    with pytest.raises(AssertionError, match="variants"):
        test_every_mnist_function_has_mutants_and_clauses("no_such_function")
