"""The mutant corpus graded through the released Otter autograder zip (`otter run`) and
through the sealed bulk grader (`make grade`).

Each notebook is the solution notebook with at most one variant per question, so every
question's score tells about exactly one variant. Every wrong variant must lose points on
its question, every correct one get full marks, and the three paths (otter run, sealed
grader, checks called directly) must give the same score.

The sealed grader and the direct checks score every round; ``otter run`` (the Gradescope
zip: the same sealed engine behind Otter, about 30 s a notebook) scores the first
``OTTER_ROUNDS`` rounds, which hold a variant of every question each (rounds are filled
largest first); ADVOPT_OTTER_ALL_ROUNDS=1 runs it on all of them.
"""
import json
import os
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from autograder.grading.batch import grade_folder
from autograder.grading.runner import Limits
from autograder.release import verify
from mutant_harness import load_variants, replace_answers, rounds, score, seeded_randomness

pytestmark = pytest.mark.slow
OTTER_ROUNDS = 3
SEEDS = 4  # seeds under which a variant's direct score must agree to be compared


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
    through_otter = paths if os.environ.get("ADVOPT_OTTER_ALL_ROUNDS") else \
        paths[:OTTER_ROUNDS]
    assert {v.question for g in groups[:OTTER_ROUNDS] for v in g} == \
        {v.question for g in groups for v in g}, "the sampled rounds miss a question"
    with ThreadPoolExecutor(max_workers=2) as pool:
        otter = list(pool.map(lambda p: verify.otter_grade(zip_path, p, site)[0],
                              through_otter))
    mismatches = []
    for i, (path, group) in enumerate(zip(paths, groups)):
        sealed = sealed_scores(out / "results" / f"{path.stem}.json")
        for variant in group:
            scores = set()
            for seed in range(SEEDS):
                with seeded_randomness(seed):
                    direct, max_points, _ = score(variant)
                scores.add(direct)
            unseeded = "default_rng()" in variant.source or "np.random." in variant.source
            if len(scores) > 1 or unseeded:  # unseeded draws: its score is its draws'
                continue
            got = otter[i][variant.question][0] if i < len(otter) else direct
            judged_right = (direct == max_points) if variant.correct else (direct < max_points)
            if not judged_right or not got == direct == sealed[variant.question]:
                mismatches.append(f"{variant.id}: otter {got}/{max_points}, direct {direct}, "
                                  f"sealed {sealed[variant.question]}")
    assert not mismatches, "\n".join(mismatches)
