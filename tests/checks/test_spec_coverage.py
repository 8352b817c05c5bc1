"""docs/spec-coverage.md is current, and every clause has a case and a killing mutant.

Regenerate the file with ``ADVOPT_WRITE_COVERAGE=1 .venv/bin/python -m pytest
tests/checks/test_spec_coverage.py``.
"""
import os
from pathlib import Path

from autograder.mnist import CASES as MNIST_CASES
from autograder.optimization import CASES as OPTIMIZATION_CASES
from spec_coverage import clauses, killers, render, stated_in_notebook

DOC = Path(__file__).resolve().parents[2] / "docs" / "spec-coverage.md"


def test_every_clause_names_an_existing_case():
    ids = {"optimization": {c.id for c in OPTIMIZATION_CASES}, "mnist": {c.id for c in MNIST_CASES}}
    missing = [(c.function, c.text, c.case) for c in clauses() if c.case not in ids[c.assignment]]
    assert missing == []


# mnist q1 is assignment 1's minibatches, q5 a configuration, q6 the benchmark.
MNIST_ELSEWHERE = ("q1", "q5", "q6")


def test_every_case_checks_a_clause():
    covered = {(c.assignment, c.case) for c in clauses()}
    unlisted = [c.id for c in OPTIMIZATION_CASES if ("optimization", c.id) not in covered]
    unlisted += [c.id for c in MNIST_CASES
                 if c.question not in MNIST_ELSEWHERE and ("mnist", c.id) not in covered]
    assert unlisted == []


def test_every_clause_names_the_sentence_of_the_notebook_that_states_it():
    """No point is lost to a rule the student was not told: every optimization clause (and
    every mnist clause that names one) quotes a sentence students read in the notebook."""
    unstated = [(c.function, c.text) for c in clauses()
                if c.assignment == "optimization" and not c.stated]
    missing = [(c.function, c.stated) for c in clauses() if c.stated and not stated_in_notebook(c)]
    assert unstated == [] and missing == []


def test_every_clause_has_a_killing_mutant():
    unkilled = [(c.assignment, c.function, c.text) for c in clauses() if not killers(c)]
    assert unkilled == []


def test_the_committed_matrix_is_current():
    text = render()
    if os.environ.get("ADVOPT_WRITE_COVERAGE"):
        DOC.write_text(text)
    assert DOC.exists() and DOC.read_text() == text, (
        "docs/spec-coverage.md is out of date: regenerate it (see this module's docstring)")
