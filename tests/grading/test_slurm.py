"""``advopt grade --executor slurm`` against a real single-node Slurm cluster
(tests/support/slurm_cluster.py, started once per session; skipped with the reason where
it cannot start: not root, Slurm not installed).

The same outputs as a local run; a task cancelled mid-run and the command run again: nothing
lost, nothing graded twice; the hostile corpus breaches nothing inside a task; GPU
questions one per (stand-in) GPU; the bad inputs' one message each.
"""
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

import gpu_benchmark_fixture
import grading_notebooks as nbs
import slurm_cluster
from autograder.grading.executors import slurm
from autograder.grading.grade_command import main
from hostile_run import assert_breached_nothing, grade_everything
from mutant_harness import load_variants, rounds

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slurm")]
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = "60"


@pytest.fixture(scope="session")
def cluster():
    reason = slurm_cluster.unavailable()
    if reason:
        pytest.skip(reason)
    running = slurm_cluster.start(Path(tempfile.mkdtemp(prefix="advopt-slurm-")))
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SLURM_CONF", str(running.conf))
            yield running
    finally:
        running.stop()


def grade(folder: Path, out: Path, *options: str) -> int:
    return main([str(folder), "--out", str(out), "--timeout", TIMEOUT, "--quiet", *options])


def outputs(out: Path) -> dict:
    """Every output of a run (the Slurm run folders left out) but what differs between
    any two runs: timing (results' "seconds", the report's slowest submissions), the
    sandbox's uid, and numbers in the messages about student code that draws from the
    global RNG (results' messages and the feedback quoting them: numbers blanked)."""
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = str(path.relative_to(out))
        if name.startswith("slurm/"):
            continue
        if name.startswith("results/"):
            result = json.loads(path.read_text())
            del result["seconds"]
            result["isolation"]["identity"] = nbs.shape(result["isolation"]["identity"])
            for case in result["cases"]:
                case["message"] = nbs.shape(case["message"])
            files[name] = result
        elif name.startswith("feedback/"):
            files[name] = nbs.shape(path.read_text())
        elif name == "report.html":
            files[name] = re.sub(r"<h2 id=slowest>.*?</table>", "", path.read_text(), flags=re.S)
        else:
            files[name] = path.read_bytes()
    return files


def one_message(captured) -> str:
    """The command's error: one line, no traceback."""
    assert "Traceback" not in captured.err and captured.err.count("\n") == 1, captured.err
    return captured.err


def test_slurm_writes_what_a_local_run_writes(cluster, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    answers = [nbs.solution_cells(), nbs.student_cells(),
               *(nbs.with_variants(group) for group in rounds(load_variants(), "function")[:10])]
    for n, cells in enumerate(answers):
        (folder / f"student{n:02d}.ipynb").write_bytes(nbs.notebook(cells))
    assert grade(folder, tmp_path / "local") == 0
    assert grade(folder, tmp_path / "slurm", "--executor", "slurm", "--tasks", "2",
                 "--jobs", "1") == 0
    local, remote = outputs(tmp_path / "local"), outputs(tmp_path / "slurm")
    assert len(local) > 3 * len(answers)
    assert sorted(local) == sorted(remote)
    assert [name for name in local if local[name] != remote[name]] == []
    run, = (tmp_path / "slurm" / "slurm").glob("run-*")
    assert len(list((run / "done").iterdir())) == 2


def test_a_cancelled_task_loses_nothing_and_a_rerun_grades_only_the_rest(cluster, tmp_path):
    """Share 0 holds s0, s2, s4; s2 sleeps: task 0 is cancelled once s0 is saved."""
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    for n in range(6):
        extra = ["import time\ntime.sleep(10)"] if n == 2 else []
        (folder / f"s{n}.ipynb").write_bytes(nbs.notebook(nbs.solution_cells(), extra))
    command = [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(out),
               "--timeout", TIMEOUT, "--quiet", "--executor", "slurm", "--tasks", "2",
               "--jobs", "1"]
    first = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    progress = out / "slurm"
    deadline = time.monotonic() + 600
    while not any('"s0"' in p.read_text() for p in progress.glob("run-*/progress/0.jsonl")):
        assert first.poll() is None and time.monotonic() < deadline, "s0 was never graded"
        time.sleep(0.2)
    job = json.loads((out / "slurm" / "active.json").read_text())["job"]
    cluster.run("scancel", f"{job}_0")
    assert first.wait(timeout=600) == 1
    assert "2 submission(s) not graded (why, and the task's log:" in first.stderr.read()
    saved = {p.stem for p in (out / "results").iterdir()}
    assert saved == {"s0", "s1", "s3", "s5"}, "s2 was cut short: no result, no partial file"
    rows = nbs.read_gradebook(out)
    assert {s: rows[s]["status"] for s in ("s2", "s4")} == {"s2": "pending", "s4": "pending"}
    assert f"not graded: Slurm task {job}_0 ended (CANCELLED)" in rows["s2"]["detail"]
    log = next(progress.glob("run-*/logs/0.log"))
    assert f"href='{log.relative_to(out)}'" in (out / "report.html").read_text()

    assert grade(folder, out, "--executor", "slurm", "--tasks", "2", "--jobs", "1") == 0
    graded = Counter(json.loads(line)["student"] for path in progress.glob("run-*/progress/*")
                     for line in path.read_text().splitlines())
    assert graded == Counter(f"s{n}" for n in range(6)), "each graded exactly once"
    rows = nbs.read_gradebook(out)
    assert sorted(rows) == [f"s{n}" for n in range(6)]
    assert {row["status"] for row in rows.values()} == {"graded"}


def test_hostile_submissions_breach_nothing_inside_a_slurm_task(cluster, tmp_path, capsys):
    """A longer budget than the local run's 20 s: on a loaded machine memory_bomb's honest
    cases ran out of 20 s (this test is about breaches, not time)."""
    graded = grade_everything(tmp_path, "--executor", "slurm", "--tasks", "2", "--jobs", "1",
                              "--timeout", "40")
    assert_breached_nothing(graded, capsys.readouterr())


def test_gpu_questions_get_one_gpu_per_task_and_record_it(cluster, tmp_path):
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    for name in "abcd":
        (folder / f"{name}.ipynb").write_bytes(nbs.notebook(["def double(x):\n    return 2 * x\n"
                                                             "def speed():\n    return 5"]))
    assignment = ("--assignment", "tests.support.gpu_benchmark_fixture")
    assert grade(folder, out, *assignment) == 0
    assert grade(folder, out, *assignment, "--gpu", "--executor", "slurm", "--tasks", "2",
                 "--jobs", "1") == 0
    run, = (out / "slurm").glob("run-*")
    job = json.loads((run / "started" / "0.json").read_text())["job"].split("_")[0]
    assert cluster.run("scontrol", "show", "job", job).count("TresPerNode=gres:gpu:1") == 2
    devices, full = {}, sum(c.points for c in gpu_benchmark_fixture.CASES)
    for share in (run / "shares").iterdir():
        students = [s["student"] for s in json.loads(share.read_text())]
        records = [json.loads((out / "results" / f"{s}.json").read_text()) for s in students]
        devices[share.stem] = {r["benchmark"]["device"] for r in records}
        assert all(sum(c["score"] for c in r["cases"]) == full for r in records)
    assert sorted(devices.values(), key=sorted) == [{"gpu 0"}, {"gpu 1"}]
    board = (out / "leaderboard.csv").read_text().splitlines()
    assert len(board) == 5 and all("gpu " in row for row in board[1:])


def test_no_slurm_commands_is_one_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert grade(tmp_path, tmp_path / "graded", "--executor", "slurm") == 2
    assert "no Slurm commands on this machine" in one_message(capsys.readouterr())


def test_an_unknown_partition_is_one_message(cluster, tmp_path, capsys):
    assert grade(tmp_path, tmp_path / "graded", "--executor", "slurm",
                 "--partition", "nosuch") == 2
    assert "no partition 'nosuch' (partitions: grading)" in one_message(capsys.readouterr())


def test_an_out_the_nodes_cannot_see_is_one_message(cluster, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(slurm, "SEEN_GRACE_SECONDS", 2)
    folder, out = tmp_path / "submissions", cluster.node_local / "graded"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(nbs.notebook(nbs.solution_cells()))
    assert grade(folder, out, "--executor", "slurm") == 2
    assert "the compute nodes cannot see this folder" in one_message(capsys.readouterr())
    assert not (out / "results").exists()


def test_a_grader_that_cannot_start_on_the_nodes_is_one_message(cluster, tmp_path, capsys,
                                                                monkeypatch):
    monkeypatch.setattr(slurm, "SEEN_GRACE_SECONDS", 2)
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(nbs.notebook(nbs.solution_cells()))
    broken = "--sbatch=--export=ALL,PYTHONHOME=/nonexistent"  # no Python on the node
    assert grade(folder, tmp_path / "graded", "--executor", "slurm", broken) == 2
    err = capsys.readouterr().err
    assert err.startswith("advopt grade: the grader did not start (Slurm task 0 on ")
    assert "Traceback" not in err and "No module named 'encodings'" in err


def test_a_node_with_other_grading_code_is_one_message(cluster, tmp_path, capsys):
    folder, other = tmp_path / "submissions", tmp_path / "other-checkout"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(nbs.notebook(nbs.solution_cells()))
    shutil.copytree(ROOT / "autograder", other / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(other / "autograder" / "grading" / "runner.py", "a") as f:
        f.write("# another version\n")
    there = f"--sbatch=--chdir={other}"  # workers import autograder from their folder
    assert grade(folder, tmp_path / "graded", "--executor", "slurm", there) == 2
    message = one_message(capsys.readouterr())
    assert "differs from this one" in message and "same checkout" in message
    assert not (tmp_path / "graded" / "results").exists()
