"""Stopping ``make grade`` the ways a TA does (``kill -INT`` or ``kill -TERM`` of make's
process, ``kill -TERM`` of the grader) ends it as Ctrl-C does: what is graded is kept, the
outputs are written, the rest is pending (autograder/grading/stopping.py)."""
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

import grading_notebooks as nbs
from autograder.grading import stopping

ROOT = Path(__file__).resolve().parents[2]
SLOW = nbs.notebook(["import time\n\ndef double(x):\n    time.sleep(1.5)\n    return 2 * x",
                     "def speed():\n    return 5"])
STUDENTS = 6
PATIENCE = 240   # seconds: the grader's start and one submission, on a loaded machine

# /proc/<pid>/status lines of GNU make: waiting for its recipe, then inside its handler of
# SIGINT (blocked, set back to the default action), and in a critical section (blocked,
# still caught)
WAITING = "SigPnd:\t0000000000000000\nSigBlk:\t0000000000010000\nSigCgt:\t0000000001814207\n"
HANDLING_INT = "SigBlk:\t0000000000010002\nSigCgt:\t0000000001814205\n"
CRITICAL = "SigBlk:\t0000000000004007\nSigCgt:\t0000000001814207\n"


def test_make_handling_a_signal_it_does_not_pass_on_is_recognized():
    assert stopping.fatal_signal_pending(WAITING) is None
    assert stopping.fatal_signal_pending(HANDLING_INT) == signal.SIGINT
    assert stopping.fatal_signal_pending(CRITICAL) is None
    assert stopping.fatal_signal_pending("Name:\tmake\n") is None


def _default_signals():
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("target, sig, jobs", [("make", signal.SIGINT, 1),
                                               ("make", signal.SIGTERM, 1),
                                               ("grader", signal.SIGTERM, 1),
                                               ("make", signal.SIGINT, 4)],
                         ids=["INT-to-make", "TERM-to-make", "TERM-to-grader",
                              "INT-to-make-4-at-once"])
def test_a_signal_stops_make_grade_and_keeps_what_is_graded(target, sig, jobs, tmp_path):
    """JOBS=4: threads and worker processes (executors/processes.py) stop too; what they
    had graded is counted exactly, and none of them is left running."""
    folder, out = tmp_path / "subs", tmp_path / "graded"
    folder.mkdir()
    for n in range(STUDENTS):
        (folder / f"student{n}.ipynb").write_bytes(SLOW)
    make = subprocess.Popen(
        ["make", "--no-print-directory", "grade", f"SUBMISSIONS={folder}", f"OUT={out}",
         "ASSIGNMENT=tests.support.grading_fixture", f"JOBS={jobs}", "TIMEOUT=60"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True, preexec_fn=_default_signals)
    try:
        deadline = time.monotonic() + PATIENCE
        while not list((out / "results").glob("*.json")) and time.monotonic() < deadline:
            assert make.poll() is None, make.stdout.read()
            time.sleep(0.2)
        assert list((out / "results").glob("*.json")), "nothing graded in time"
        grader = psutil.Process(make.pid).children()[0]
        assert "autograder.cli" in " ".join(grader.cmdline())   # make's child: exec'd
        os.kill(make.pid if target == "make" else grader.pid, sig)
        output, _ = make.communicate(timeout=PATIENCE)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
    rows = nbs.read_gradebook(out)
    statuses = [row["status"] for row in rows.values()]
    assert len(rows) == STUDENTS and "graded" in statuses and "pending" in statuses, output
    kept = len(list((out / "results").glob("*.json")))
    assert kept == statuses.count("graded") < STUDENTS
    assert f"interrupted: {STUDENTS} submissions" in output and f"graded {kept} in" in output
    assert make.returncode != 0 and "Traceback" not in output
    left = [p.pid for p in psutil.process_iter(["cmdline"])
            if "autograder.grading.executors.processes" in " ".join(p.info["cmdline"] or ())
            and str(ROOT) in " ".join(p.info["cmdline"] or ()) + _exe(p)]
    assert not left, f"grading processes left running: {left}"


def _exe(process) -> str:
    try:
        return process.exe()
    except psutil.Error:
        return ""
