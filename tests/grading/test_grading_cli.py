"""``advopt grade`` end to end: outputs, scores, resume, reruns, GPU merge, bad input."""
import json
import zipfile
from pathlib import Path

import pytest

import grading_notebooks as nbs
from autograder.cases import run_case
from autograder.grading.executors import local
from autograder.grading.batch import grade_folder
from autograder.grading.grade_command import main
from autograder.grading.runner import Limits
from autograder.optimization import CASES
from mutant_harness import load_variants, student_namespace

TOTAL = f"{sum(c.points for c in CASES):g}"   # full marks of the optimization assignment

WRONG = next(v for v in load_variants() if v.id == "adam_step.wrong_eps_inside_sqrt")
LIMITS = Limits(timeout=30, memory_mb=1024)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path):
    """alice: solution; bob: unfilled; carol: a wrong adam_step; dave: zip; erin: invalid."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    solution = nbs.solution_cells()
    (folder / "alice.ipynb").write_bytes(nbs.notebook(solution))
    (folder / "bob.ipynb").write_bytes(nbs.notebook(nbs.student_cells()))
    carol = [WRONG.source if nbs.defines(c, "adam_step") else c for c in solution]
    (folder / "carol.ipynb").write_bytes(nbs.notebook(carol))
    with zipfile.ZipFile(folder / "dave.zip", "w") as archive:
        archive.writestr("optimization.ipynb", nbs.notebook(solution))
        archive.writestr(".OTTER_LOG", b"\x80\x04not really a pickle")
    (folder / "erin.ipynb").write_text("{ not a notebook")
    return folder


def test_grading_writes_every_output_with_correct_scores(folder, tmp_path, capsys):
    out = tmp_path / "graded"
    assert main([str(folder), "--out", str(out), "--quiet", "--timeout", "30"]) == 0
    assert "5 submissions (4 graded, 1 invalid)" in capsys.readouterr().out
    rows = nbs.read_gradebook(out)
    assert list(rows["alice"]) == ["student", *(f"q{i}" for i in range(1, 9)), "q2_written",
                                   "q4_written", "q6_written", "total", "max",
                                   "status", "detail"]
    direct = sum(run_case(c, student_namespace(WRONG)).score for c in CASES)
    assert [rows[s]["total"] for s in ("alice", "bob", "carol", "dave")] == \
        [TOTAL, "0", f"{direct:g}", TOTAL]
    assert rows["erin"]["status"] == "invalid" and "not a Jupyter notebook" in rows["erin"]["detail"]
    carol = json.loads((out / "results" / "carol.json").read_text())
    failed = {c["id"] for c in carol["cases"] if not c["passed"]}
    assert failed == {c.id for c in CASES if not run_case(c, student_namespace(WRONG)).passed}
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "use `yield`, not `return`" in feedback  # public message shown
    lines = feedback.split("\n")
    hidden = lines.index("- failed: hidden test `adam_matches_torch` (1 pt)")
    assert not lines[hidden + 1].strip().startswith("```")  # hidden: no message
    assert (out / "feedback" / "bob.html").read_text().count("<li>") >= len(CASES)
    report = (out / "report.html").read_text()
    assert "score_histogram.png" in report and (out / "score_histogram.png").stat().st_size > 0
    assert "q5.adam_matches_torch" in report and (out / "question_scores.png").exists()


def test_reruns_reuse_results_and_resume_after_an_interruption(folder, tmp_path, monkeypatch):
    out = tmp_path / "graded"
    real_grade = local.grade

    def interrupted(submission, job, server):
        if submission.student == "carol":
            raise KeyboardInterrupt
        return real_grade(submission, job, server)
    monkeypatch.setattr(local, "grade", interrupted)
    first = grade_folder(folder, out, limits=LIMITS, jobs=1, progress=False)
    assert first.interrupted
    assert nbs.read_gradebook(out)["carol"]["detail"].startswith("not graded yet")
    monkeypatch.setattr(local, "grade", real_grade)
    kept = {p.name for p in (out / "results").glob("*.json")}
    assert "alice.json" in kept and "carol.json" not in kept
    second = grade_folder(folder, out, limits=LIMITS, progress=False)
    assert not second.interrupted and second.reused == len(kept) and second.graded_now == 5 - len(kept)
    gradebook = (out / "gradebook.csv").read_bytes()
    third = grade_folder(folder, out, limits=LIMITS, progress=False)
    assert third.graded_now == 0 and (out / "gradebook.csv").read_bytes() == gradebook
    (folder / "bob.ipynb").write_bytes(nbs.notebook(nbs.solution_cells()))
    fourth = grade_folder(folder, out, limits=LIMITS, progress=False)
    assert fourth.graded_now == 1 and nbs.read_gradebook(out)["bob"]["total"] == TOTAL


def test_gpu_questions_are_merged_into_the_gradebook(tmp_path):
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    (folder / "fast.ipynb").write_bytes(nbs.notebook(["def double(x):\n    return 2 * x\n"
                                                      "def speed():\n    return 5"]))
    (folder / "slow.ipynb").write_bytes(nbs.notebook(["def double(x):\n    return x\n"
                                                      "def speed():\n    return 0"]))
    args = [str(folder), "--out", str(out), "--assignment", "tests.support.grading_fixture", "--quiet"]
    assert main(args + ["--gpu"]) == 2  # nothing to merge into yet
    assert main(args) == 0
    rows = nbs.read_gradebook(out)
    assert (rows["fast"]["q1"], rows["fast"]["q2"], rows["fast"]["max"]) == ("1", "", "3")
    assert main(args + ["--gpu"]) == 0
    rows = nbs.read_gradebook(out)
    assert (rows["fast"]["q1"], rows["fast"]["q2"], rows["fast"]["total"]) == ("1", "2", "3")
    assert (rows["slow"]["q1"], rows["slow"]["q2"], rows["slow"]["total"]) == ("0", "0", "0")


def test_fingerprint_covers_every_module_the_checks_import():
    """mnist's checks import optimization's q1 checks: editing them makes results stale."""
    from autograder.assignment import load_assignment
    from autograder.grading.job import grading_files

    files = {str(p.relative_to(ROOT)) for p in grading_files(load_assignment("mnist"))
             if ROOT in p.parents}
    assert {"autograder/optimization/hidden/q1_minibatches.py", "autograder/cases.py",
            "autograder/mnist/hidden/q6_benchmark.py", "autograder/mnist/data.py",
            "autograder/grading/sandbox/server.py"} <= files
    assert "autograder/pipeline_bench.py" not in files  # loaded modules only, not a folder list
