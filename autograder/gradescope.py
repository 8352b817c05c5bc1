"""Gradescope's entry point: grade the one submission of an autograder run with the sealed
grader of ``make grade`` and write Gradescope's results.json.

    python -m autograder.gradescope ASSIGNMENT        (the release's run_autograder)

Layout (Gradescope's; the root is ``$ADVOPT_GRADESCOPE_ROOT``, default ``/autograder``)::

    ROOT/submission/   what the student uploaded: a grader.export() zip or a notebook
    ROOT/source/       the unpacked autograder zip (never visible to student code)
    ROOT/results/      results.json (Gradescope's format) and, for the TA, the full
                       result (``results/<student>.json``: every message and all captured
                       output)

Before anything is graded, the release's submission limit (``autograder.submission_limit``:
graded submissions per time window, from Gradescope's ``ROOT/submission_metadata.json``)
may refuse the submission: results.json then shows the best previous graded result under
a message saying when the next graded submission is possible.

Only the notebook is read from the submission (as JSON; nothing unpickled or
extracted). Student code runs in its own sandboxed process (autograder.grading); the
checks and expected values stay in this process.

results.json holds ``score``, ``output`` (status and the points per question), ``tests``
(one per case: ``name``, ``score``, ``max_score``, ``visibility``, and for failed public
cases their message) and, for assignments with a benchmark, the ``leaderboard``. Hidden
cases are listed by name and score only, with the visibility ``$ADVOPT_HIDDEN_VISIBILITY``
(default ``after_published``: shown once the instructor publishes grades; ``hidden``:
never shown to students); their messages, which can quote hidden inputs, are never in
results.json; nor is anything else that depends on what the student's code did once
hidden inputs reached it, beyond the score (how its process ended, how long grading
took: no ``execution_time``). Text is written safely (``files.write_text``: what UTF-8
cannot encode is replaced).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from autograder import submission_limit
from autograder.assignment import Assignment, load_assignment
from autograder.cases import questions
from autograder.grading import results
from autograder.grading.job import make_job
from autograder.grading.outputs import files
from autograder.grading.grade_command import say
from autograder.grading.runner import Limits, grade
from autograder.grading.sandbox import isolation
from autograder.grading.sandbox.process import ForkServer
from autograder.grading.submissions import InputError, Submission, read_folder

ROOT_ENV = "ADVOPT_GRADESCOPE_ROOT"
DEFAULT_ROOT = Path("/autograder")
CONTAINER_ENV = "ADVOPT_GRADESCOPE_CONTAINER"
VISIBILITY_ENV = "ADVOPT_HIDDEN_VISIBILITY"
HIDDEN_VISIBILITIES = ("after_published", "hidden", "after_due_date")
STUDENT = "submission"
TIMEOUT_ENV = "ADVOPT_GRADESCOPE_TIMEOUT"
# Gradescope stops an autograder after 10 minutes by default: the student's code may use
# 9 of them ($ADVOPT_GRADESCOPE_TIMEOUT), one case (the mnist benchmark: 240 s budget) at
# most half.
TIMEOUT = 540.0


def limits_for(assignment: Assignment) -> Limits:
    """Sandbox limits inside the assignment's Gradescope container."""
    from autograder.release.resources import limits_of

    container_mb = limits_of(assignment)["memory_limit"] >> 20
    # the grader, the fork server and their libraries take about 512 MB of the container
    memory_mb = max(container_mb // 4, container_mb - 1024)
    try:
        timeout = float(os.environ.get(TIMEOUT_ENV, TIMEOUT))
    except ValueError:
        raise InputError(f"${TIMEOUT_ENV} must be a number of seconds") from None
    return Limits(timeout=timeout, case_seconds=timeout / 2, memory_mb=memory_mb)


def hidden_visibility() -> str:
    value = os.environ.get(VISIBILITY_ENV, HIDDEN_VISIBILITIES[0])
    if value not in HIDDEN_VISIBILITIES:
        raise InputError(f"${VISIBILITY_ENV}={value!r}: choose one of {HIDDEN_VISIBILITIES}")
    return value


def grade_submission(assignment: str, root: Path, preface: str = "") -> dict:
    """Grade ROOT/submission; write ROOT/results/results.json (``preface`` on top of its
    output); return its content."""
    contract = load_assignment(assignment)
    visibility = hidden_visibility()
    out = root / "results"
    out.mkdir(parents=True, exist_ok=True)
    submission = _submission(root / "submission")
    limits = limits_for(contract)
    measurement = _leaderboard_file(contract, out)
    job = make_job(contract, contract.cases, limits,
                   [root / "source", out, root / "submission"], protect=True,
                   unlist=in_gradescope_container(root), measured=False)
    try:
        with ForkServer() as server:
            result = grade(submission, job, server)
    finally:
        isolation.restore(job.plan)
    results.save(out, result)
    report = results_json(result, questions(contract.cases), visibility)
    if preface:
        report["output"] = f"{preface}\n\n{report['output']}"
    if measurement is not None and measurement.exists():
        report["leaderboard"] = contract.leaderboard_entries(json.loads(measurement.read_text()))
    _write_results(root, report)
    return report


def in_gradescope_container(root: Path) -> bool:
    """Whether this machine is Gradescope's container, made for this one run: only then
    are its top-level folders made unlistable while grading (``isolation.protect``'s
    ``unlist``). Gradescope runs ``run_autograder`` at its fixed root ``/autograder``;
    ``make release``'s verification and the tests give a root of their own
    (``$ADVOPT_GRADESCOPE_ROOT``) on a machine other people and programs use.
    ``$ADVOPT_GRADESCOPE_CONTAINER`` (``1`` or ``0``) says it outright (a test that runs
    the zip in a container of its own)."""
    said = os.environ.get(CONTAINER_ENV)
    if said is not None:
        return said == "1"
    return root == DEFAULT_ROOT and ROOT_ENV not in os.environ


def _submission(folder: Path) -> Submission:
    if not folder.is_dir():
        raise InputError(f"{folder}: no submission folder")
    return read_folder(folder, STUDENT)


def _leaderboard_file(assignment: Assignment, out: Path) -> Path | None:
    """Where the benchmark check writes its measurement (assignments with MEASUREMENT)."""
    if assignment.measurement is None:
        return None
    path = out / Path(assignment.measurement).name
    for key in assignment.gradescope_env:
        os.environ[key] = str(path)
    return path


def results_json(result, points: dict[str, float], visibility: str) -> dict:
    """Gradescope's results.json of one graded result (see the module docstring)."""
    tests = []
    for case in result.cases:
        test = {"name": f"{case['question']}: {case['name']}", "score": case["score"],
                "max_score": case["points"],
                "visibility": visibility if case["hidden"] else "visible"}
        if case["hidden"]:
            test["output"] = "passed" if case["passed"] else "failed"
        else:
            test["output"] = "passed" if case["passed"] else case["message"]
        tests.append(test)
    scores = result.scores()
    lines = [f"Status: {result.status}",
             *([f"What went wrong: {result.detail}"] if result.status != "graded" else []),
             *[f"cell {e['cell']} raised: {e['error'][:300]}" for e in result.notebook_errors],
             "", "Points per question (hidden tests count once grades are published):",
             *[f"  {q}: {scores.get(q, 0):g} / {m:g}" for q, m in points.items()],
             f"  total: {result.total:g} / {sum(points.values()):g}"]
    return {"score": result.total, "output": "\n".join(lines), "stdout_visibility": "hidden",
            "tests": tests}


def _write_results(root: Path, report: dict) -> None:
    files.write_text(root / "results" / "results.json",
                     json.dumps(report, indent=1, ensure_ascii=False))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.monotonic()
    root = Path(os.environ.get(ROOT_ENV, DEFAULT_ROOT))
    limit = submission_limit.check(root)
    if limit.staff:  # stdout: shown to the course staff only
        say(f"autograder: {limit.staff}")
    if not limit.grade and limit.results is not None:
        _write_results(root, limit.results)
        say(f"autograder: not graded, over the submission limit: {limit.student}")
        return 0
    try:
        report = grade_submission(argv[0], root, limit.student)
    except InputError as e:  # no gradable submission: say so to the student
        _write_results(root, {"score": 0, "output": f"Not graded: {e}", "tests": [],
                              "extra_data": submission_limit.not_graded_mark()})
        say(f"autograder: {e}", sys.stderr)
        return 0
    maximum = sum(t["max_score"] for t in report["tests"])
    print(f"Total Score: {report['score']:.3f} / {maximum:.3f} "
          f"(graded in {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
