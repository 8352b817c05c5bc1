"""The sealed grader's benchmark path: data staged in the student process before timed
calls (handles, no write-back), and GPU questions graded one submission at a time."""
import time

import torch

import grading_notebooks as nbs
from autograder.grading.executors import local
from autograder.grading.sandbox.server import StudentServer
from autograder.grading.batch import grade_folder
from autograder.grading.sandbox.proxy import Remote
from autograder.grading.runner import Limits


def test_staged_values_reach_student_functions_as_themselves(run):
    ns, process = run("def scale(x):\n    x.mul_(2)\n    return float(x.sum())\n"
                      "def same(a, b):\n    return a is b", "scale", "same")
    data = torch.ones(1000, 784)
    X, again = process.stage(data, data)
    assert isinstance(X, Remote) and isinstance(again, Remote)
    assert ns["scale"](X) == 2 * 784_000 and ns["scale"](X) == 4 * 784_000, "kept over there"
    assert torch.equal(data, torch.ones(1000, 784)), "staged data is not written back"
    assert ns["same"](X, X) and not ns["same"](X, again)
    process.synchronize()  # no CUDA in the student process: returns at once


def test_staged_arguments_are_not_copied_for_write_back():
    """Write-back compares an argument's bytes before and after a call: for the 60,000
    staged images that would be two copies inside the timed fit."""
    student = StudentServer(channel=None)
    staged, other = torch.ones(3, 784), torch.ones(3, 784)
    blobs: list = []
    student.op_stage({"values": student.encode([staged], blobs)}, blobs, [])
    kept = student.handles[0]
    assert [entry[1] for entry in student._snapshot([kept, other], {})] == [other]


def test_gpu_questions_grade_one_submission_at_a_time(tmp_path, monkeypatch):
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    for name in "abcd":
        (folder / f"{name}.ipynb").write_bytes(nbs.notebook(["def double(x):\n    return 2 * x\n"
                                                             "def speed():\n    return 5"]))
    running, most, graded = [], [], []
    real_grade = local.grade

    def watched(submission, job, server):
        graded.append(submission.student)
        running.append(submission)
        most.append(len(running))
        time.sleep(0.2)
        try:
            return real_grade(submission, job, server)
        finally:
            running.remove(submission)
    monkeypatch.setattr(local, "grade", watched)
    limits = Limits(timeout=20)
    grade_folder(folder, out, "tests.support.grading_fixture", limits, jobs=4, progress=False)
    assert max(most) > 1, "CPU questions keep their parallelism"
    most.clear()
    grade_folder(folder, out, "tests.support.grading_fixture", limits, jobs=4, gpu=True, progress=False)
    assert max(most) == 1 and len(most) == 4
    graded.clear()
    fixture = "tests.support.grading_fixture"
    again = grade_folder(folder, out, fixture, limits, gpu=True, progress=False)
    assert graded == [] and again.reused == 4, "GPU questions graded once, kept after"
    (folder / "a.ipynb").write_bytes(nbs.notebook(["def double(x):\n    return x"]))
    grade_folder(folder, out, fixture, limits, progress=False)
    grade_folder(folder, out, fixture, limits, gpu=True, progress=False)
    assert graded == ["a", "a"], "a changed notebook: its CPU and GPU questions graded again"
