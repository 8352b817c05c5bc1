"""``make bench-grading``: the sealed grader against looping ``otter run``, side by side.

    python -m autograder.grading.throughput_bench [--n 50] [--sample 10] [--jobs auto]
                                                 [--assignment optimization]

Builds N submissions from the released notebooks (dist/<assignment>/, built first when
missing): the solution and copies of it with some answers left unfilled as in the
student notebook. Grades them all with the sealed grader, and the first ``--sample`` of
them with ``otter run`` through the autograder zip, one after another (how Otter grades a
class without Docker); checks that those get the same points per question from both, and
prints both throughputs, their ratio and the sealed grader's projected time for 1,000.
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.otter_format import answer_cells, defined_names


def variants(solution, student, n: int, seed: int = 0) -> list:
    """``n`` notebooks: every fourth one the full solution, the others with a random
    subset of answers replaced by the student notebook's unfilled cells."""
    stubs = [c for c in answer_cells(student) if c.cell_type == "code"]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        nb = copy.deepcopy(solution)
        blank = [] if i % 4 == 0 else rng.sample(stubs, rng.randint(1, len(stubs)))
        for stub in blank:
            names = defined_names(stub.source)
            for cell in nb.cells:
                if cell.cell_type == "code" and names and defined_names(cell.source) == names:
                    cell.source = stub.source
        out.append(nb)
    return out


def release_paths(assignment: str, workdir: Path) -> dict[str, Path]:
    """The released zip and notebooks: dist/<assignment>/, else a quick build here."""
    from autograder.notebooks import ROOT
    from autograder.release import build
    from autograder.assignment import Assignment

    dist = ROOT / "dist" / assignment
    paths = {"zip": dist / "autograder" / f"{assignment}-autograder.zip",
             "solution": dist / "solutions" / f"{assignment}.ipynb",
             "student": dist / "student" / f"{assignment}.ipynb"}
    if all(p.exists() for p in paths.values()):
        return paths
    print(f"no release in {dist}: building one (otter assign, about a minute)", flush=True)
    wheel = build.build_wheel(ROOT, workdir / "wheels")
    return build.build(Assignment.in_repo(assignment), workdir / assignment, wheel)


def otter_loop(zip_path: Path, notebooks: list[Path]) -> tuple[float, list[dict]]:
    """``otter run`` on each notebook in turn, with the zip's grading wheel installed
    once beforehand (not timed); (seconds, per-question scores)."""
    from tqdm import tqdm

    from autograder.release import verify

    site = verify.install_from_zip(zip_path, notebooks[0].parent.parent / "site", [])
    started = time.monotonic()
    scores = [{q: s for q, (s, _) in verify.otter_grade(zip_path, nb, site)[0].items()}
              for nb in tqdm(notebooks, desc="otter run", unit="submission")]
    return time.monotonic() - started, scores


def sealed(folder: Path, out: Path, assignment: str,
           jobs: int | None) -> tuple[float, list[dict]]:
    from autograder.grading.batch import grade_folder
    from autograder.grading.results import load

    started = time.monotonic()
    grade_folder(folder, out, assignment, jobs=jobs, force=True)
    seconds = time.monotonic() - started
    return seconds, [load(out, p.stem).scores() for p in sorted(folder.glob("*.ipynb"))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="advopt bench-grading",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50, help="submissions (default 50)")
    parser.add_argument("--sample", type=int, default=10,
                        help="of them graded by otter run too (default 10)")
    parser.add_argument("--jobs", type=lambda t: None if t == "auto" else int(t), default=None,
                        help="sealed grader's submissions at once (default: auto)")
    parser.add_argument("--assignment", default="optimization")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = release_paths(args.assignment, tmp)
        solution, student = (nbformat.read(paths[k], as_version=4) for k in ("solution", "student"))
        folder = tmp / "submissions"
        folder.mkdir()
        notebooks = []
        for i, nb in enumerate(variants(solution, student, args.n)):
            notebooks.append(folder / f"s{i:03d}.ipynb")
            nbformat.write(nb, notebooks[-1])
        ours_s, ours = sealed(folder, tmp / "graded", args.assignment, args.jobs)
        sample = notebooks[:max(1, min(args.sample, args.n))]
        otter_s, theirs = otter_loop(paths["zip"], sample)
    differ = [f"{p.stem}: otter {t}, sealed {o}" for p, t, o in zip(sample, theirs, ours)
              if {q: float(s) for q, s in t.items()} != {q: float(s) for q, s in o.items()}]
    ours_rate, otter_rate = args.n / ours_s * 60, len(sample) / otter_s * 60
    print(json.dumps({"submissions": args.n, "sealed_grader_s": round(ours_s, 1),
                      "jobs": args.jobs or "auto", "sealed_per_min": round(ours_rate, 1),
                      "projected_1000_s": round(1000 / ours_rate * 60),
                      "otter_sample": len(sample), "otter_run_loop_s": round(otter_s, 1),
                      "otter_per_min": round(otter_rate, 1),
                      "ratio": round(ours_rate / otter_rate, 1),
                      "identical_scores": not differ}))
    print(f"sealed grader: {ours_s:.1f} s for {args.n} submissions ({ours_rate:.0f}/min, "
          f"1,000 in about {1000 / ours_rate:.1f} min); otter run loop: {otter_rate:.1f}/min "
          f"on {len(sample)}: {ours_rate / otter_rate:.1f}x; scores "
          f"{'identical' if not differ else 'DIFFER'}")
    for line in differ:
        print(f"  {line}", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
