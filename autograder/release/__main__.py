"""``python -m autograder.release [assignment ...]``: build, verify and prove each release."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from autograder.assignment import ROOT, Assignment, repo_assignments
from autograder.notebooks import differences, sync_hint
from autograder.release import build, leaks, resources, verify
from autograder.release.build import ReleaseError


class Progress:
    """One line per step, stamped with the seconds since the release started."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"  [{self.total():5.1f} s] {message} ...", flush=True)

    def total(self) -> float:
        return time.perf_counter() - self.start


def release(assignment: Assignment, dest: Path, wheel: Path, step=print,
            engine: str = "sealed") -> dict:
    """Build ``dest`` (= dist/<name>) with ``wheel`` as grading code, verify it, write its
    proofs (leak-report.json, resources.json); return the figures of the summary table.

    engine: what the zip's run_autograder grades with: "sealed" (the grader of ``make
    grade``; verified through the zip's run_autograder) or "otter" (Otter's in-kernel
    run: weaker, student code shares the process of the checks; verified through
    ``otter run``)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        step("otter assign (Otter grades the solution through the new zip)")
        start = time.perf_counter()
        paths = build.build(assignment, dest, wheel,
                            site=build.install_wheel(wheel, tmp / "assign" / "site"),
                            engine=engine)
        build_s = time.perf_counter() - start

        step("installing the zip's grading wheel on its own")
        hidden = sorted({c.check.__module__ for c in assignment.cases if c.hidden})
        site = verify.install_from_zip(paths["zip"], tmp / "grade" / "site", hidden)
        step(f"grading the solution through the zip ({engine}) under its Gradescope limits")
        limits = resources.limits_of(assignment)
        scores, usage = verify.grade_with(engine, paths["zip"], paths["solution"], site,
                                         measure=limits)
        build.write_json(dest / "resources.json", usage)
        verify.require_full_marks(scores)
        verify.require_fit(usage, limits["memory_limit"])

        step("executing the untouched student notebook")
        verify.execute_student_notebook(paths["student"])
        step("grading the untouched student notebook through the zip under its limits")
        verify.require_zero(verify.grade_with(engine, paths["zip"], paths["student"], site,
                                              measure=limits)[0])

        step("scanning student files for solutions and hidden tests, the zip for solutions")
        report = leaks.scan(assignment, dest / "student")
        zip_report = leaks.scan_zip(assignment, paths["zip"])
        report["autograder_zip"] = {k: v for k, v in zip_report.items() if k != "leaks"}
        report["leaks"] += zip_report["leaks"]
        leaks.require_clean(report, dest / "leak-report.json")

        step("rebuilding from the same inputs to check that the release is deterministic")
        verify.require_deterministic(assignment, dest, tmp / "again", engine)

    return {"assignment": assignment.name,
            "points": sum(s[1] for s in scores.values()),
            "build_s": build_s,
            "grade_s": usage["wall_seconds"],
            "peak_MiB": (usage["peak_cgroup_bytes"] or usage["peak_rss_bytes"]) / 2**20,
            "leaks": len(report["leaks"])}


def print_summary(rows: list[dict]) -> None:
    print(f"\n{'assignment':<14}{'points':>8}{'build s':>9}{'grade s':>9}"
          f"{'peak MiB':>10}{'leaks':>7}")
    for r in rows:
        print(f"{r['assignment']:<14}{r['points']:>8g}{r['build_s']:>9.1f}{r['grade_s']:>9.1f}"
              f"{r['peak_MiB']:>10.0f}{r['leaks']:>7}")


def main(argv=None) -> int:
    known = repo_assignments()
    parser = argparse.ArgumentParser(prog="advopt release", description=__doc__)
    parser.add_argument("assignments", nargs="*", help=f"default: all of {known}")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--engine", choices=build.ENGINES, default="sealed",
                        help="what the zip's run_autograder grades with: sealed (default; "
                             "the sandboxed grader of make grade) or otter (Otter's "
                             "in-kernel run: weaker, student code can reach the checks)")
    args = parser.parse_args(argv)
    names = args.assignments or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}; known: {known}")
    stale = [n for n in names if differences(n)]
    if stale:  # the release would ship the master's old solutions and test cells
        print("\n".join(f"RELEASE REFUSED: {sync_hint(n)}" for n in stale), file=sys.stderr)
        return 1
    progress = Progress()
    try:
        progress("building the grading wheel (without the reference solutions)")
        excluded = tuple(sorted({Assignment.in_repo(n).solutions_package for n in names}))
        wheel = build.build_wheel(ROOT, args.dist / "wheels", excluded)
        rows = []
        for name in names:
            print(f"[{name}]", flush=True)
            rows.append(release(Assignment.in_repo(name), args.dist / name, wheel, progress,
                                args.engine))
    except ReleaseError as e:
        print(f"\nRELEASE FAILED: {e}", file=sys.stderr)
        return 1
    print_summary(rows)
    print(f"released {len(rows)} assignment(s) into {args.dist} in {progress.total():.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
