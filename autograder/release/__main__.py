"""``python -m autograder.release [assignment ...]``: build, verify and prove each release."""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder.notebooks import ROOT
from autograder.release import build, leaks, resources, verify
from autograder.release.build import ReleaseError

MAX_PEAK_BYTES = 700 * 2**20
MAX_GRADING_SECONDS = 300


def assignments() -> list[str]:
    """Every folder under assignments/ that holds a master notebook of its own name."""
    return sorted(p.name for p in (ROOT / "assignments").iterdir()
                  if (p / f"{p.name}.ipynb").exists())


def step(message: str) -> float:
    print(f"  {message} ...", flush=True)
    return time.perf_counter()


def release(name: str, dist: Path, wheel: Path) -> dict:
    """Build dist/<name>/ and verify it; return the figures of the summary table."""
    print(f"[{name}]", flush=True)
    dest = dist / name
    t = step("otter assign (runs the tests against the solution)")
    paths = build.build(name, dest, wheel)
    figures = {"build_s": time.perf_counter() - t}

    step("grading the solution notebook through the zip")
    solution = verify.otter_scores(paths["zip"], paths["solution"])
    verify.require_full_marks(solution)
    step("executing the untouched student notebook")
    verify.execute_student_notebook(dest / "student", name)
    step("grading the untouched student notebook through the zip")
    verify.require_zero(verify.otter_scores(paths["zip"], paths["student"]))

    step("scanning student files for solutions and hidden tests")
    report = leaks.scan(name, dest / "student")
    leaks.write_report(report, dest / "leak-report.json")
    if report["leaks"]:
        raise ReleaseError(f"{len(report['leaks'])} leak(s) into student files, first: "
                           f"{report['leaks'][0]} (see {dest / 'leak-report.json'})")

    step("grading the solution under Gradescope's limits (1 core, 768 MB)")
    usage = grading_usage(paths)
    build.write_json(dest / "resources.json", usage)
    peak = usage["peak_cgroup_bytes"] or usage["peak_rss_bytes"]
    if usage["exit_code"] != 0 or peak > MAX_PEAK_BYTES or usage["wall_seconds"] > MAX_GRADING_SECONDS:
        raise ReleaseError(f"grading does not fit Gradescope's default container: {usage}")

    step("rebuilding to check that the release is deterministic")
    with tempfile.TemporaryDirectory() as tmp:
        again = build.build(name, Path(tmp) / name, wheel, run_tests=False)
        first, second = build.digest(paths.values()), build.digest(again.values())
    differ = sorted(k for k in first if first[k] != second[k])
    if differ:
        raise ReleaseError(f"two builds from the same inputs differ: {differ}")

    return {"assignment": name, "points": sum(s[1] for s in solution.values()),
            "build_s": figures["build_s"], "grade_s": usage["wall_seconds"],
            "peak_MB": peak / 1e6, "leaks": 0}


def grading_usage(paths: dict) -> dict:
    """Resources of one `otter run` of the solution notebook, under the emulated limits."""
    with tempfile.TemporaryDirectory() as tmp:
        submission = Path(tmp) / paths["solution"].name
        shutil.copy(paths["solution"], submission)
        cmd = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(paths["zip"]),
               "-o", tmp, str(submission)]
        return resources.measure(cmd, cwd=Path(tmp), env=build.subprocess_env())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="advopt release", description=__doc__)
    parser.add_argument("assignments", nargs="*", help="default: every assignment")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    names = args.assignments or assignments()
    unknown = sorted(set(names) - set(assignments()))
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}; known: {assignments()}")
    start = time.perf_counter()
    try:
        print("building the grading wheel ...", flush=True)
        wheel = build.build_wheel(args.dist / "wheels")
        rows = [release(name, args.dist, wheel) for name in names]
    except ReleaseError as e:
        print(f"\nRELEASE FAILED: {e}", file=sys.stderr)
        return 1
    print(f"\n{'assignment':<14}{'points':>8}{'build s':>9}{'grade s':>9}{'peak MB':>9}{'leaks':>7}")
    for r in rows:
        print(f"{r['assignment']:<14}{r['points']:>8g}{r['build_s']:>9.1f}{r['grade_s']:>9.1f}"
              f"{r['peak_MB']:>9.0f}{r['leaks']:>7}")
    print(f"released {len(rows)} assignment(s) into {args.dist} in "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
