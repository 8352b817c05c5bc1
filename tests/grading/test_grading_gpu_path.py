"""The sealed grader's benchmark path: the device prepared before any data, data staged in
the student process (handles, no write-back), calls whose model state is read in a frozen
copy of the student process at their return, and GPU questions graded one submission at a
time."""
import sys
import time

import pytest
import torch

import grading_notebooks as nbs
from autograder.grading.batch import grade_folder
from autograder.grading.executors import local
from autograder.grading.runner import Limits
from autograder.grading.sandbox.process import SandboxLost
from autograder.grading.sandbox.proxy import Remote, StudentError
from autograder.grading.sandbox.server import StudentServer, frozen_call

# A fit that returns at once and leaves a thread that trains (adds 1 to every weight, again
# and again) from the moment fit has returned: what a frozen read must never see.
TRAINS_AFTER_RETURN = '''import sys, threading, time
import torch

def returned(code):
    frame = sys._current_frames().get(threading.main_thread().ident)
    while frame is not None:
        if frame.f_code is code:
            return False
        frame = frame.f_back
    return True

calls = []

def fit(model):
    calls.append(model)
    def train(call):
        while not returned(fit.__code__):
            time.sleep(0.0005)
        while len(calls) == call:  # until the next fit
            with torch.no_grad():
                model.weight.add_(1.0)
    threading.Thread(target=train, args=(len(calls),), daemon=True).start()
    return [0.0]

def build():
    model = torch.nn.Linear(4, 2)
    with torch.no_grad():
        model.weight.zero_()
    return model
'''


def test_staged_values_reach_student_functions_as_themselves(run):
    ns, process = run("def scale(x):\n    x.mul_(2)\n    return float(x.sum())\n"
                      "def same(a, b):\n    return a is b", "scale", "same")
    data = torch.ones(1000, 784)
    process.prepare("cpu")  # no CUDA here: nothing to initialize
    X, again = process.stage("cpu", data, data)
    assert isinstance(X, Remote) and isinstance(again, Remote)
    assert ns["scale"](X) == 2 * 784_000 and ns["scale"](X) == 4 * 784_000, "kept over there"
    assert torch.equal(data, torch.ones(1000, 784)), "staged data is not written back"
    assert ns["same"](X, X) and not ns["same"](X, again)


def test_staged_arguments_are_not_copied_for_write_back():
    """Write-back compares an argument's bytes before and after a call: for the 60,000
    staged images that would be two copies inside the timed fit."""
    student = StudentServer(channel=None)
    staged, other = torch.ones(3, 784), torch.ones(3, 784)
    blobs: list = []
    student.op_stage({"values": student.encode([staged], blobs)}, blobs, [])
    kept = student.handles[0]
    assert [entry[1] for entry in student._snapshot([kept, other], {})] == [other]


def test_a_snapshot_reads_the_state_at_the_return_whatever_threads_do(run):
    """Twenty runs of a thread that trains from fit's return on: the state read is the one
    fit returned with, every time, while the live model goes on changing."""
    ns, process = run(TRAINS_AFTER_RETURN, "fit", "build")
    for _ in range(20):
        model, before = process.snapshot(ns["build"], (), None, 1 << 20)
        result, after = process.snapshot(ns["fit"], (model,), 0, 1 << 20)
        assert isinstance(model, Remote) and result == [0.0]
        assert set(after) == {"weight", "bias"} and after["weight"].device.type == "cpu"
        assert torch.count_nonzero(before["weight"]) == 0
        assert torch.count_nonzero(after["weight"]) == 0, "a step after fit's return counted"
    trained = time.monotonic() + 30
    while float(model.weight.detach().sum()) == 0 and time.monotonic() < trained:
        time.sleep(0.01)
    assert float(model.weight.detach().sum()) > 0, "the thread did train, after the read"


def test_a_snapshot_reports_the_call_and_the_state_apart(run):
    ns, process = run("import torch\n"
                      "def boom(model):\n    raise KeyError('student')\n"
                      "class Odd(torch.nn.Module):\n"
                      "    def state_dict(self):\n        raise ValueError('no state')\n"
                      "def odd():\n    return Odd()\n"
                      "def number():\n    return 3\n"
                      "def big():\n    return torch.nn.Linear(1000, 1000)", "boom", "odd",
                      "number", "big")
    with pytest.raises(KeyError, match="student"):
        process.snapshot(ns["boom"], (1,), 0, 1 << 20)
    with pytest.raises(StudentError, match="could not be read: ValueError: no state"):
        process.snapshot(ns["odd"], (), None, 1 << 20)
    with pytest.raises(StudentError, match="could not be read: AttributeError"):
        process.snapshot(ns["number"], (), None, 1 << 20)
    with pytest.raises(SandboxLost):  # 4 MB of weights where 1 MB was allowed
        process.snapshot(ns["big"], (), None, 1 << 20)


def test_frozen_call_in_this_process_raises_what_the_call_raised():
    """The same function serves the in-process path (Otter, direct calls); the
    interpreter's thread switching is as it was afterwards."""
    def boom(model):
        raise ZeroDivisionError("x")

    interval = sys.getswitchinterval()
    with pytest.raises(ZeroDivisionError):
        frozen_call(boom, [torch.nn.Linear(2, 2)], {}, 0, [])
    blobs: list = []
    result, state = frozen_call(lambda: torch.nn.Linear(2, 3), [], {}, None, blobs)
    assert isinstance(result, torch.nn.Linear) and len(blobs) == 2
    assert sys.getswitchinterval() == interval


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
    limits, fixture = Limits(timeout=20), "tests.support.grading_fixture"
    grade_folder(folder, out, fixture, limits, jobs=4, progress=False)
    assert max(most) > 1, "CPU questions keep their parallelism"
    most.clear()
    grade_folder(folder, out, fixture, limits, jobs=4, gpu=True, progress=False)
    assert max(most) == 1 and len(most) == 4
    graded.clear()
    again = grade_folder(folder, out, fixture, limits, gpu=True, progress=False)
    assert graded == [] and again.reused == 4, "GPU questions graded once, kept after"
    (folder / "a.ipynb").write_bytes(nbs.notebook(["def double(x):\n    return x"]))
    grade_folder(folder, out, fixture, limits, progress=False)
    grade_folder(folder, out, fixture, limits, gpu=True, progress=False)
    assert graded == ["a", "a"], "a changed notebook: its CPU and GPU questions graded again"


@pytest.mark.gpu
def test_cuda_staging_and_a_frozen_state_on_the_gpu(run):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    ns, process = run("import torch\n"
                      "def build():\n    return torch.nn.Linear(784, 10).cuda()\n"
                      "def fit(model, X):\n    model.weight.data += X.mean()\n    return []",
                      "build", "fit")
    process.prepare("cuda")
    (X,) = process.stage("cuda", torch.ones(100, 784))
    model, before = process.snapshot(ns["build"], (), None, 1 << 20)
    _, after = process.snapshot(ns["fit"], (model, X), 0, 1 << 20)
    assert after["weight"].device.type == "cpu"
    assert torch.allclose(after["weight"], before["weight"] + 1)
