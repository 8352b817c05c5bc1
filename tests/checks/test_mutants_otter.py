"""The mutant corpus graded through the released Otter autograder zip (`otter run`) and
through the sealed bulk grader (`make grade`).

Each notebook is the solution notebook with at most one variant per question, so every
question's score tells about exactly one variant. Every wrong variant must lose points on
its question, every correct one get full marks, and the three paths (otter run, sealed
grader, checks called directly) must give the same score.
"""
import json
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from autograder.grading.batch import grade_folder
from autograder.grading.runner import Limits
from autograder.release import verify
from mutant_harness import load_variants, replace_answers, rounds, score

pytestmark = pytest.mark.slow


def sealed_scores(result_file) -> dict[str, float]:
    scores: dict[str, float] = {}
    for case in json.loads(result_file.read_text())["cases"]:
        scores[case["question"]] = scores.get(case["question"], 0) + case["score"]
    return scores


def test_corpus_through_the_autograder_zip_and_the_sealed_grader(released, tmp_path):
    solution = nbformat.read(released / "solutions/optimization.ipynb", as_version=4)
    zip_path = released / "autograder/optimization-autograder.zip"
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    groups = rounds(load_variants())
    paths = []
    for i, group in enumerate(groups):
        paths.append(folder / f"round{i:02d}.ipynb")
        nbformat.write(replace_answers(solution, group), paths[-1])
    grade_folder(folder, out, limits=Limits(timeout=60), progress=False)
    site = verify.install_from_zip(zip_path, tmp_path / "site", [])
    with ThreadPoolExecutor(max_workers=2) as pool:
        otter = list(pool.map(lambda p: verify.otter_grade(zip_path, p, site)[0], paths))
    mismatches = []
    for path, group, scores in zip(paths, groups, otter):
        sealed = sealed_scores(out / "results" / f"{path.stem}.json")
        for variant in group:
            got, max_points = scores[variant.question]
            direct = score(variant)[0]
            judged_right = (got == max_points) if variant.correct else (got < max_points)
            if not judged_right or not got == direct == sealed[variant.question]:
                mismatches.append(f"{variant.id}: otter {got}/{max_points}, direct {direct}, "
                                  f"sealed {sealed[variant.question]}")
    assert not mismatches, "\n".join(mismatches)
