"""A run's grading processes (executors/processes.py) and the student processes started
ahead of need (sandbox/process.py ``Spares``) change how fast a class is graded, never
what it gets: each submission has a student process of its own that ran no one else's
code, nothing one submission does reaches the next, its time budget is its own, and the
scores are those of a one-at-a-time run."""
import os
import time

import pytest

import grading_notebooks as nbs
from autograder.grading.batch import fork_server, grade_folder
from autograder.grading.executors import processes
from autograder.grading.runner import Limits
from autograder.grading.sandbox import isolation
from autograder.grading.sandbox.process import ForkServer, TimeBudget

FIXTURE = "tests.support.grading_fixture"
LIMITS = Limits(timeout=60, memory_mb=1024)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Does its own work right and spoils the process for whoever comes next: numpy, builtins,
# a module, the environment, the working folder and /tmp.
POLLUTER = """import builtins, json, os
import numpy as np

np.multiply = lambda a, b: 0
builtins.int = lambda *a: 0
json.dumps = lambda *a, **k: "spoiled"
os.environ["ADVOPT_SPOILED"] = "1"
for where in ("/tmp", "."):
    try:
        open(os.path.join(where, "advopt-spoiled"), "w").write("1")
    except OSError:
        pass

def double(x):
    return x + x"""
# Right only in a process nothing spoiled.
CHECKER = """import builtins, json, os
import numpy as np

def double(x):
    clean = (json.dumps(1) == "1" and "ADVOPT_SPOILED" not in os.environ
             and not os.path.exists("/tmp/advopt-spoiled")
             and not os.path.exists("advopt-spoiled"))
    return int(np.multiply(x, 2)) if clean else -1"""
KILLER = """import os, signal

def _kill_everyone():
    for pid in [-1, *range(2, 1 << 15)]:
        if pid != os.getpid():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

_kill_everyone()

def double(x):
    _kill_everyone()
    return 2 * x"""


def test_spread_gives_a_grading_process_per_core_and_every_job_a_thread(monkeypatch):
    for cores in (1, 2, 3, 16):
        monkeypatch.setattr(processes, "cores", lambda: cores)
        assert processes.auto_jobs() == 2 * cores
        for jobs in (None, 1, 2, 3, 5, 64):
            layout = processes.spread(jobs, gpu=False)
            wanted = jobs or 2 * cores
            assert layout.processes == min(wanted, cores)
            assert wanted <= layout.processes * layout.threads < wanted + layout.processes
        assert processes.spread(jobs, gpu=True) == processes.Spread(1, 1)


def test_every_spawn_is_a_process_that_served_no_one():
    """With spares, each spawn() is a new process; a spare that ended while it waited
    (killed by a submission, out of memory) is never handed out."""
    plan = isolation.make_plan([ROOT], LIMITS, None)
    with ForkServer(spares=2) as server:
        seen = set()
        for n in range(6):
            student = server.spawn(plan)
            with student.charged_to(TimeBudget(60)):
                student.execute([], {})
            assert student.pid not in seen
            seen.add(student.pid)
            if n == 2:  # the spares started meanwhile are killed before they are taken
                server.spares.changed.acquire()
                waiting = list(server.spares.ready)
                server.spares.changed.release()
                for spare in waiting:
                    spare.kill()
                    seen.add(spare.pid)
                    deadline = time.monotonic() + 60
                    while not spare.ended() and time.monotonic() < deadline:
                        time.sleep(0.05)
            student.close()
        assert server.spawned >= 6


@pytest.mark.parametrize("jobs", [1, 4])
def test_nothing_a_submission_does_reaches_the_next(tmp_path, jobs):
    folder, out = tmp_path / "subs", tmp_path / "graded"
    folder.mkdir()
    for n in range(6):  # graded in name order: each checker right after a polluter
        (folder / f"s{n}a_polluter.ipynb").write_bytes(nbs.notebook([POLLUTER]))
        (folder / f"s{n}b_checker.ipynb").write_bytes(nbs.notebook([CHECKER]))
    grade_folder(folder, out, FIXTURE, LIMITS, jobs=jobs, progress=False)
    rows = nbs.read_gradebook(out)
    assert len(rows) == 12  # a polluter may break its own grading (int() is gone): no matter
    assert {n: row["q1"] for n, row in rows.items() if "checker" in n} == \
        {f"s{n}b_checker": "1" for n in range(6)}


def test_time_budgets_are_charged_per_submission(tmp_path):
    """Ten submissions of 4 s each on one thread (40 s in all) under a 30 s budget: each
    is charged its own time, not its spare's wait nor the run's; one that hangs times out
    alone."""
    folder, out = tmp_path / "subs", tmp_path / "graded"
    folder.mkdir()
    slow = "import time\n\ndef double(x):\n    time.sleep(2)\n    return 2 * x"
    for n in range(10):
        (folder / f"s{n}.ipynb").write_bytes(nbs.notebook([slow]))
    (folder / "s5_hangs.ipynb").write_bytes(nbs.notebook(["def double(x):\n    while True:\n"
                                                          "        pass"]))
    grade_folder(folder, out, FIXTURE, Limits(timeout=30, memory_mb=1024), jobs=1,
                 progress=False)
    rows = nbs.read_gradebook(out)
    assert {n: (r["status"], r["q1"]) for n, r in rows.items() if n != "s5_hangs"} == \
        {f"s{n}": ("graded", "1") for n in range(10)}
    assert rows["s5_hangs"]["q1"] == "0"


def test_a_submission_that_kills_every_process_it_can_gains_nothing(tmp_path):
    """Beside its successors' spares and other grading processes, a killer takes no one
    down with it: the others are graded as if it were not there."""
    if not sealed():
        pytest.skip("student processes are not confined here (no pid namespace)")
    folder, out = tmp_path / "subs", tmp_path / "graded"
    folder.mkdir()
    (folder / "a_killer.ipynb").write_bytes(nbs.notebook([KILLER]))
    for n in range(7):
        (folder / f"s{n}.ipynb").write_bytes(nbs.notebook(["def double(x):\n    return 2 * x"]))
    grade_folder(folder, out, FIXTURE, LIMITS, jobs=4, progress=False)
    rows = nbs.read_gradebook(out)
    assert {n: (r["status"], r["q1"]) for n, r in rows.items() if n != "a_killer"} == \
        {f"s{n}": ("graded", "1") for n in range(7)}


def sealed() -> bool:
    process = fork_server().spawn(isolation.make_plan([ROOT], Limits(), None))
    with process.charged_to(TimeBudget(60)):
        info = process.execute([], {})["isolation"]
    process.close()
    return info.get("pid") == "private"
