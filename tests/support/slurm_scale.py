"""The figures of docs/scale.md, measured with ``advopt grade`` on the single-node test
cluster (slurm_cluster.py; started here as root) or on the cluster of $SLURM_CONF.

    python tests/support/slurm_scale.py [--throughput 40] [--tasks 1 2 4] [--compare 179]
                                        [--json figures.json]

throughput   N notebooks graded locally (--jobs 1 and 2) and through Slurm with 1, 2 and 4
             tasks of one CPU each (--jobs 1): wall time, notebooks per minute, and per task
             the overhead: submitted -> its process started (queue, launch), -> ready
             (imports, fork server, the Job), -> its first result saved
             and the same command again, everything reused: what the head alone costs
compare      a class graded with --executor slurm and --executor local (--jobs 2), the two
             gradebooks compared row for row; the Slurm command again (all reused)
head         the head alone for N submissions: the throughput class (graded) copied to N
             notebooks with their results, then the command with everything reused
             (reading and hashing N notebooks, loading N results, writing every output);
             reading and hashing alone timed too. Copies make every pair of students
             identical, the worst case of similarity.csv (all pairs kept): at 10,000
             notebooks that output alone outgrows 23 GB of memory

Notebooks: the reference solution, the unfilled student notebook, then the solution with
one mutant of tests/mutants/ in place of its function, one notebook per mutant, repeated
as needed (a class with a realistic spread of mistakes).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUPPORT = Path(__file__).resolve().parent
ROOT = SUPPORT.parents[1]
sys.path[:0] = [str(SUPPORT.parent), str(SUPPORT)]  # as tests/conftest.py: mutants, helpers

import grading_notebooks as nbs  # noqa: E402
import slurm_cluster  # noqa: E402
from autograder.grading.submissions import discover  # noqa: E402
from mutant_harness import load_variants  # noqa: E402

TIMEOUT = "60"


def corpus(folder: Path, n: int) -> Path:
    answers = [nbs.solution_cells(), nbs.student_cells(),
               *(nbs.with_variants([variant]) for variant in load_variants())]
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"student{i:03d}.ipynb").write_bytes(nbs.notebook(answers[i % len(answers)]))
    return folder


def grade(folder: Path, out: Path, *options: str) -> float:
    """Wall seconds of one ``advopt grade`` (a fresh process, as a TA runs it)."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out",
                    str(out), "--timeout", TIMEOUT, "--quiet", *options], cwd=ROOT, check=True)
    return time.monotonic() - started


def task_overheads(out: Path) -> dict:
    """Per task of the run in ``out`` (medians over its tasks, seconds)."""
    run, = (out / "slurm").glob("run-*")
    submitted = json.loads((run / "submitted.json").read_text())["time"]
    launch, setup, first, rate = [], [], [], []
    for started_file in sorted((run / "started").iterdir()):
        started = json.loads(started_file.read_text())
        lines = [json.loads(line) for line in
                 (run / "progress" / f"{started_file.stem}.jsonl").read_text().splitlines()]
        launch.append(started["launched"] - submitted)
        setup.append(started["time"] - started["launched"])
        first.append(lines[0]["time"] - started["time"])
        if len(lines) > 1:
            rate.append((lines[-1]["time"] - lines[0]["time"]) / (len(lines) - 1))
    return {"submitted_to_launched_s": statistics.median(launch),
            "launched_to_ready_s": statistics.median(setup),
            "ready_to_first_result_s": statistics.median(first),
            "seconds_per_notebook_in_a_task": statistics.median(rate) if rate else None,
            "tasks": len(launch)}


def throughput(work: Path, n: int, task_counts: list[int]) -> list[dict]:
    folder = corpus(work / "throughput", n)
    rows = []
    for jobs in (1, 2):
        seconds = grade(folder, work / f"local-{jobs}", "--jobs", str(jobs))
        rows.append({"run": f"local --jobs {jobs}", "seconds": seconds,
                     "per_minute": n / seconds * 60})
        print(rows[-1], flush=True)
    for tasks in task_counts:
        out = work / f"slurm-{tasks}"
        seconds = grade(folder, out, "--executor", "slurm", "--tasks", str(tasks), "--jobs", "1")
        rows.append({"run": f"slurm --tasks {tasks} --jobs 1", "seconds": seconds,
                     "per_minute": n / seconds * 60, **task_overheads(out)})
        print(rows[-1], flush=True)
    rows.append({"run": "the same again, all reused (the head alone: read, hash, outputs)",
                 "seconds": grade(folder, out, "--executor", "slurm")})
    print(rows[-1], flush=True)
    return rows


def head_alone(work: Path, n: int) -> dict:
    graded, folder, out = work / "local-2", work / f"head-{n}", work / f"head-{n}-out"
    (out / "results").mkdir(parents=True)
    folder.mkdir()
    seeds = sorted((work / "throughput").glob("*.ipynb"))
    for i in range(n):
        seed, student = seeds[i % len(seeds)], f"student{i:05d}"
        os.link(seed, folder / f"{student}.ipynb")
        result = json.loads((graded / "results" / f"{seed.stem}.json").read_text())
        (out / "results" / f"{student}.json").write_text(json.dumps({**result,
                                                                      "student": student}))
    started = time.monotonic()
    discover(folder)
    return {"notebooks": n, "read_and_hash_s": time.monotonic() - started,
            "seconds": grade(folder, out, "--executor", "slurm")}


def compare(work: Path, n: int, tasks: int) -> dict:
    folder = corpus(work / "class", n)
    local_s = grade(folder, work / "class-local", "--jobs", "2")
    slurm_s = grade(folder, work / "class-slurm", "--executor", "slurm", "--tasks", str(tasks),
                    "--jobs", "1")
    local = nbs.read_gradebook(work / "class-local")
    remote = nbs.read_gradebook(work / "class-slurm")
    differing = sorted(s for s in local.keys() | remote.keys() if local.get(s) != remote.get(s))
    head_s = grade(folder, work / "class-slurm", "--executor", "slurm")
    return {"notebooks": n, "local_jobs2_s": local_s, "slurm_s": slurm_s, "slurm_tasks": tasks,
            "rerun_all_reused_s": head_s,
            "rows": len(local), "rows_differing": differing,
            "statuses": {s: sum(r["status"] == s for r in local.values())
                         for s in {r["status"] for r in local.values()}}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--throughput", type=int, default=40, metavar="N")
    p.add_argument("--tasks", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--compare", type=int, default=179, metavar="N")
    p.add_argument("--head", type=int, nargs="*", default=[179, 1000], metavar="N")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    cluster = None
    if not os.environ.get("SLURM_CONF"):
        reason = slurm_cluster.unavailable()
        if reason:
            print(reason, file=sys.stderr)
            return 2
        cluster = slurm_cluster.start(Path(tempfile.mkdtemp(prefix="advopt-slurm-")))
        os.environ.update(cluster.env())
        print(f"test cluster up in {cluster.ready_seconds} s", flush=True)
    figures = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    try:
        with tempfile.TemporaryDirectory(prefix="advopt-scale-") as work:
            if args.throughput:
                figures["throughput"] = throughput(Path(work), args.throughput, args.tasks)
                figures["head"] = [head_alone(Path(work), n) for n in args.head]
                print(figures["head"], flush=True)
            if args.compare:
                figures["compare"] = compare(Path(work), args.compare, 2)
                print(figures["compare"], flush=True)
    finally:
        figures["load_after"] = os.getloadavg()
        if cluster is not None:
            figures["cluster_ready_s"] = cluster.ready_seconds
            cluster.stop()
    text = json.dumps(figures, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
