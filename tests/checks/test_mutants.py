"""The hidden checks tell wrong implementations from right ones (direct path).

Every ``wrong_`` variant of the corpus must lose points on its question, every
``correct_`` variant must get full marks. test_mutants_otter.py repeats this through
the released Otter autograder zip.
"""
from collections import Counter

import pytest

from mutant_harness import load_variants, score

import solutions.optimization as reference

VARIANTS = load_variants()


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_variant_is_judged_right(variant):
    points, max_points, failures = score(variant)
    if variant.correct:
        assert points == max_points, failures
    else:
        assert points < max_points, "a wrong implementation got full marks"


def test_corpus_covers_every_function():
    correct = Counter(v.function for v in VARIANTS if v.correct)
    wrong = Counter(v.function for v in VARIANTS if not v.correct)
    for function in [n for n in reference.__all__ if not n.startswith("megabytes")] + ["megabytes"]:
        assert correct[function] >= 2, f"{function}: fewer than 2 correct variants"
        assert wrong[function] >= 4, f"{function}: fewer than 4 wrong variants"
