"""The mutant corpus graded through the released Otter autograder zip (`otter run`).

Each notebook is the solution notebook with at most one variant per question, so every
question's score tells about exactly one variant. Scores must equal the direct path's.
"""
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from autograder.release import verify
from mutant_harness import load_variants, replace_answers, rounds
from test_mutants import score

pytestmark = pytest.mark.slow


def test_corpus_through_the_autograder_zip(released, tmp_path):
    solution = nbformat.read(released / "solutions/optimization.ipynb", as_version=4)
    zip_path = released / "autograder/optimization-autograder.zip"
    groups = rounds(load_variants())
    paths = []
    for i, group in enumerate(groups):
        (tmp_path / f"r{i}").mkdir()
        path = tmp_path / f"r{i}" / "optimization.ipynb"
        nbformat.write(replace_answers(solution, group), path)
        paths.append(path)
    site = verify.install_from_zip(zip_path, tmp_path / "site", [])
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: verify.otter_grade(zip_path, p, site)[0], paths))
    mismatches = []
    for group, scores in zip(groups, results):
        for variant in group:
            got, max_points = scores[variant.question]
            direct = score(variant)[0]
            judged_right = (got == max_points) if variant.correct else (got < max_points)
            if not judged_right or got != direct:
                mismatches.append(f"{variant.id}: otter {got}/{max_points}, direct {direct}")
    assert not mismatches, mismatches
