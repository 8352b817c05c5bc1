"""The sealed grader gives the scores of the other grading paths on the mutant corpus
(tests/mutants/, issue 1): case by case those of the direct path, question by question
those of `otter run` through the released autograder zip (tests/checks/test_mutants_otter.py)."""
import json
from dataclasses import replace


import grading_notebooks as nbs
from autograder.cases import run_case
from autograder.grading.batch import grade_folder
from autograder.grading.results import MESSAGE_CHARS, case_record
from autograder.grading.runner import Limits
from autograder.optimization import CASES
from mutant_harness import load_variants, rounds, seeded_randomness, student_namespace

VARIANTS = load_variants()
SEEDS = 6  # seeds of the direct path that must agree before it is compared


def direct_namespace(cells) -> dict:
    """The notebook's answer cells run in one namespace, as in a kernel (answers call
    each other: cross_entropy_grad uses the student's softmax)."""
    namespace = {}
    for cell in ["import numpy as np", *cells]:
        exec(compile(cell, "<cell>", "exec"), namespace)
    return namespace


def direct_records(cells, seed: int) -> dict:
    """Case id -> the record of the direct path, with randomness seeded by ``seed``."""
    with seeded_randomness(seed):
        namespace = direct_namespace(cells)
        return {case.id: case_record(case, run_case(case, namespace)) for case in CASES}


def outcome(record: dict) -> tuple:
    """What a case record says: passed, and its message up to numbers."""
    return record["passed"], nbs.shape(record["message"])


def test_sealed_results_equal_the_direct_path_case_by_case(tmp_path):
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    notebooks = []
    for group in rounds(VARIANTS, "function"):
        notebooks.append(cells := nbs.with_variants(group))
        (folder / f"round{len(notebooks):02d}.ipynb").write_bytes(nbs.notebook(cells))
    summary = grade_folder(folder, out, limits=Limits(timeout=60), progress=False)
    assert summary.statuses["graded"] == len(notebooks)
    mismatches = []
    for i, cells in enumerate(notebooks, start=1):
        sealed = {c["id"]: c for c in json.loads(
            (out / "results" / f"round{i:02d}.json").read_text())["cases"]}
        # a wrong function drawing from unseeded randomness (np.random.rand where rng is
        # given) passes or fails by its draws: compared only where other draws agree
        seeded = [direct_records(cells, seed) for seed in range(SEEDS)]
        for case in CASES:
            got = sealed[case.id]
            direct = seeded[0][case.id]  # recorded as the sealed one
            if len({outcome(records[case.id]) for records in seeded}) > 1:
                continue
            if outcome(got) != outcome(direct):
                mismatches.append(f"round {i} {case.id}: sealed {got['passed']} "
                                  f"{got['message']!r}, direct {direct['passed']} "
                                  f"{direct['message']!r}")
    assert not mismatches, "\n".join(mismatches)


def test_records_keep_a_message_that_lists_several_problems_whole():
    """The conventions check of a float64 batchnorm_forward names its three wrong outputs,
    one line each under the input; the record keeps all of them. Only a message past
    MESSAGE_CHARS is cut, and the record says so."""
    variant = next(v for v in VARIANTS if v.id == "batchnorm_forward.wrong_float64_result")
    case = next(c for c in CASES if c.name == "batchnorm_forward_follows_the_conventions")
    result = run_case(case, student_namespace(variant))
    assert not result.passed and len(result.message.splitlines()) >= 4
    assert case_record(case, result)["message"] == result.message
    long = replace(result, message="x" * (MESSAGE_CHARS + 5))
    assert case_record(case, long)["message"] == \
        "x" * MESSAGE_CHARS + " ... (cut: 5 more characters)"
