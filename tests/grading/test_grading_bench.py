"""`make bench-grading` compares like with like: the same notebooks through `otter run`
(the released zip) and the sealed grader, with the same scores."""
import nbformat
import pytest

from autograder.grading import throughput_bench
from autograder.optimization import CASES

FULL = sum(c.points for c in CASES)

pytestmark = pytest.mark.slow


def test_otter_loop_and_sealed_grader_agree(released, tmp_path):
    solution = nbformat.read(released / "solutions/optimization.ipynb", as_version=4)
    student = nbformat.read(released / "student/optimization.ipynb", as_version=4)
    folder = tmp_path / "submissions"
    folder.mkdir()
    notebooks = []
    for i, nb in enumerate(throughput_bench.variants(solution, student, 2)):
        notebooks.append(folder / f"s{i}.ipynb")
        nbformat.write(nb, notebooks[-1])
    _, ours = throughput_bench.sealed(folder, tmp_path / "graded", "optimization", jobs=None)
    zip_path = released / "autograder/optimization-autograder.zip"
    _, theirs = throughput_bench.otter_loop(zip_path, notebooks)
    assert sum(ours[0].values()) == FULL  # every fourth variant is the full solution
    assert sum(ours[1].values()) < FULL
    assert [{q: float(s) for q, s in t.items()} for t in theirs] == \
        [{q: float(s) for q, s in o.items()} for o in ours]
