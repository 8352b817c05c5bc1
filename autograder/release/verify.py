"""Checks of a built release: scores through the zip, the student notebook, determinism.

Notebooks are graded the way Gradescope does, through the released zip: the zip's own
``run_autograder`` in an ``/autograder``-style folder (``gradescope_grade``; the sealed
grader), or ``otter run`` (``otter_grade``; Otter's in-kernel path). The grading code
comes only from the wheel inside the zip, installed into a folder that becomes the
PYTHONPATH (what Gradescope's setup installs, minus the dependencies, which this
environment already has).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

from autograder.release import resources
from autograder.release.build import (ReleaseError, build, build_wheel, digest, install_wheel,
                                      run, subprocess_env)
from autograder.assignment import Assignment

PEAK_MARGIN = 0.9            # the peak must stay below 90 % of the memory limit
MAX_GRADING_SECONDS = 300

_IMPORT_ORIGINS = """
import importlib, json, os, sys
site, tops, modules = json.loads(sys.argv[1])
for module in modules:
    importlib.import_module(module)
print("\\n".join(sorted(m.__file__ for m in list(sys.modules.values())
                        if m.__name__.split(".")[0] in tops and getattr(m, "__file__", None)
                        and not os.path.realpath(m.__file__).startswith(site))))
"""


def install_from_zip(zip_path: Path, site: Path, modules: list[str]) -> Path:
    """Install the zip's grading wheel into ``site``; fail unless the hidden check
    ``modules`` and what they import from the wheel's packages all load from there."""
    with zipfile.ZipFile(zip_path) as zf:
        wheels = [n for n in zf.namelist() if n.startswith("files/wheels/") and n.endswith(".whl")]
        if len(wheels) != 1:
            raise ReleaseError(f"{zip_path} must hold one grading wheel, found {wheels}")
        wheel = Path(zf.extract(wheels[0], site.parent / "wheel"))
    with zipfile.ZipFile(wheel) as whl:
        top_level = next(n for n in whl.namelist() if n.endswith(".dist-info/top_level.txt"))
        tops = whl.read(top_level).decode().split()
    install_wheel(wheel, site)
    argument = json.dumps([str(site.resolve()), tops, modules])
    proc = run([sys.executable, "-c", _IMPORT_ORIGINS, argument], cwd=site.parent,
               env=subprocess_env(site), what="importing the hidden checks from the zip's wheel")
    if proc.stdout.strip():
        raise ReleaseError(f"the zip's wheel lacks modules that grading imports; they came "
                           f"from elsewhere:\n{proc.stdout}")
    return site


def otter_grade(zip_path: Path, notebook: Path, site: Path,
                measure: dict | None = None) -> tuple[dict[str, tuple], dict | None]:
    """``otter run`` one notebook with the grading code from ``site``.

    measure: Gradescope limits (``resources.limits_of``) to run under and measure.
    Returns ({question: (score, max_score)}, resource usage when measured, else None).
    """
    with tempfile.TemporaryDirectory() as tmp:
        submission = Path(tmp) / notebook.name
        shutil.copy(notebook, submission)
        cmd = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(zip_path),
               "-o", tmp, str(submission)]
        usage = None
        if measure:
            usage = resources.measure(cmd, cwd=Path(tmp), env=subprocess_env(site), **measure)
            if usage["exit_code"] != 0:
                raise ReleaseError(f"otter run on {notebook.name} under Gradescope's limits "
                                   f"failed (exit {usage['exit_code']}):\n{usage['output_tail']}")
        else:
            run(cmd, cwd=tmp, env=subprocess_env(site), what=f"otter run on {notebook.name}",
                timeout=resources.TIME_LIMIT)
        results = json.loads((Path(tmp) / "results.json").read_text())
    scores = {t["name"]: (t["score"], t["max_score"]) for t in results["tests"]
              if t.get("max_score") is not None}
    return scores, usage


def gradescope_root(zip_path: Path, submission: Path, root: Path) -> Path:
    """An ``/autograder``-style folder: source/ (the unpacked zip), submission/ (holding
    ``submission``, a notebook or an exported zip), results/."""
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    shutil.copy(submission, root / "submission" / submission.name)
    return root


# Gradescope's run_autograder activates Otter's mamba environment first; here the
# environment is the caller's Python, so `mamba` does nothing.
_MAMBA_STUB = "#!/bin/sh\nexit 0\n"


def run_autograder_env(root: Path, site: Path | None, python: Path = Path(sys.executable),
                       extra: dict | None = None) -> dict:
    """Environment in which ``root/source/run_autograder`` runs with ``python``."""
    stub = root / "stub-bin"
    stub.mkdir(exist_ok=True)
    (stub / "mamba").write_text(_MAMBA_STUB)
    (stub / "mamba").chmod(0o755)
    env = {**subprocess_env(site), "ADVOPT_GRADESCOPE_ROOT": str(root), **(extra or {})}
    env["PATH"] = os.pathsep.join([str(stub), str(python.parent), env.get("PATH", "")])
    return env


def scores_of(results: dict) -> dict[str, tuple]:
    """{question: (score, max_score)} of a Gradescope results.json (tests named "qN: ...")."""
    out: dict[str, tuple] = {}
    for test in results["tests"]:
        if test.get("max_score") is None:
            continue
        question = test["name"].split(":")[0]
        score, maximum = out.get(question, (0.0, 0.0))
        out[question] = (score + test["score"], maximum + test["max_score"])
    return out


def gradescope_grade(zip_path: Path, notebook: Path, site: Path,
                     measure: dict | None = None) -> tuple[dict[str, tuple], dict | None, dict]:
    """Grade one notebook (or exported zip) with the zip's own ``run_autograder``.

    Returns ({question: (score, max_score)}, resource usage when measured, results.json).
    """
    with tempfile.TemporaryDirectory() as tmp:
        root = gradescope_root(zip_path, notebook, Path(tmp) / "autograder")
        cmd = ["bash", str(root / "source" / "run_autograder")]
        env = run_autograder_env(root, site)
        usage = None
        if measure:
            usage = resources.measure(cmd, cwd=root, env=env, **measure)
            if usage["exit_code"] != 0:
                raise ReleaseError(f"run_autograder on {notebook.name} under Gradescope's "
                                   f"limits failed (exit {usage['exit_code']}):\n"
                                   f"{usage['output_tail']}")
        else:
            run(cmd, cwd=root, env=env, what=f"run_autograder on {notebook.name}",
                timeout=resources.TIME_LIMIT)
        results = json.loads((root / "results" / "results.json").read_text())
    return scores_of(results), usage, results


def grade_with(engine: str, zip_path: Path, notebook: Path, site: Path,
               measure: dict | None = None) -> tuple[dict[str, tuple], dict | None]:
    """Grade through the zip the way its run_autograder does for ``engine``."""
    if engine == "otter":
        return otter_grade(zip_path, notebook, site, measure)
    return gradescope_grade(zip_path, notebook, site, measure)[:2]


def require_full_marks(scores: dict[str, tuple]) -> None:
    missing = {q: s for q, s in scores.items() if s[0] != s[1]}
    if not scores or missing:
        raise ReleaseError(f"the solution notebook does not get full marks: {missing or scores}")


def require_zero(scores: dict[str, tuple]) -> None:
    earned = {q: s for q, s in scores.items() if s[0] != 0}
    if earned:
        raise ReleaseError(f"the untouched student notebook earns points: {earned}")


def require_fit(usage: dict, memory_limit: int) -> None:
    """Grading must leave room within the Gradescope container it was measured under."""
    peak = usage["peak_cgroup_bytes"] or usage["peak_rss_bytes"]
    if peak > PEAK_MARGIN * memory_limit or usage["wall_seconds"] > MAX_GRADING_SECONDS:
        raise ReleaseError(
            f"grading the solution does not fit its Gradescope container: peak "
            f"{peak / 2**20:.0f} MiB (max {PEAK_MARGIN * memory_limit / 2**20:.0f}), "
            f"{usage['wall_seconds']:.0f} s (max {MAX_GRADING_SECONDS})")


def execute_student_notebook(notebook: Path, timeout: int = 300) -> None:
    """Run every cell of the untouched student notebook next to its support files, in a
    kernel without the grading code on its path."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "student"
        shutil.copytree(notebook.parent, work)
        nb = nbformat.read(work / notebook.name, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(work)}})
        try:
            client.execute(env=subprocess_env())
        except CellExecutionError as e:
            raise ReleaseError(f"the untouched student notebook crashes:\n{str(e)[-2000:]}")


def require_deterministic(assignment: Assignment, dest: Path, scratch: Path,
                          engine: str = "sealed") -> None:
    """A second build (wheel included) from the same inputs gives byte-identical files."""
    wheel = build_wheel(assignment.release_sources().project, scratch / "wheels",
                        (assignment.solutions_package,))
    build(assignment, scratch / assignment.name, wheel, engine=engine)
    differ = []
    for folder in ("student", "autograder", "solutions"):
        first = digest(dest / folder)
        second = digest(scratch / assignment.name / folder)
        differ += [f"{folder}/{f}" for f in sorted(set(first) | set(second))
                   if first.get(f) != second.get(f)]
    if differ:
        raise ReleaseError(f"two builds from the same inputs differ: {differ}")
