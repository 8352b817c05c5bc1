"""Build one assignment's release with Otter Assign, normalised to be reproducible.

Output layout (``dist/<name>/``)::

    student/<name>.ipynb, student/<name>_public.py,     what students get (and any
        student/otter_messages.py, requirements.txt     SUPPORT_FILES)
    autograder/<name>-autograder.zip                    Gradescope autograder
    solutions/<name>.ipynb, solutions/<name>.html       filled notebook and its rendering

The zip carries a wheel of the grading project in ``files/wheels/``; Gradescope unpacks
the zip into /autograder/source, and the requirements line
``/autograder/source/files/wheels/<wheel>`` makes its setup (``mamba env create`` with
Otter's environment.yml) pip-install it, with its dependencies, into the grading env.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import nbformat
import yaml

from autograder import submission_limit
from autograder.assignment import Assignment
from autograder.release import requirements

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the earliest time a zip entry can hold
GRADESCOPE_FILES = "/autograder/source/files"
RELEASE_OWNED_KEYS = ("requirements", "autograder_files")


class ReleaseError(RuntimeError):
    """A release step failed; the message says which and why."""


def subprocess_env(pythonpath: Path | None = None) -> dict:
    """Environment of release subprocesses: fixed build dates; ``pythonpath`` (the
    installed grading wheel) replaces any PYTHONPATH of the caller."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def run(cmd, cwd=None, what="command", env=None, timeout=900):
    """Run ``cmd``; raise ReleaseError with its output tail when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, env=env or subprocess_env(), capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise ReleaseError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc


def _offline_build_possible() -> bool:
    """setuptools new enough to build wheels by itself (bdist_wheel built in since 70.1)."""
    try:
        major, minor = importlib.metadata.version("setuptools").split(".")[:2]
    except importlib.metadata.PackageNotFoundError:
        return False
    return (int(major), int(minor)) >= (70, 1)


def _copy_sources(project: Path, target: Path, exclude: tuple[str, ...]) -> None:
    """pyproject.toml, README and the top-level packages of ``project`` but ``exclude``,
    nothing else (no stale build/ or egg-info, so the wheel holds exactly the current
    sources)."""
    target.mkdir()
    for item in sorted(project.iterdir()):
        if item.is_file() and (item.name == "pyproject.toml" or item.name.startswith("README")):
            shutil.copy(item, target / item.name)
        elif item.is_dir() and (item / "__init__.py").exists() and item.name not in exclude:
            shutil.copytree(item, target / item.name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def build_wheel(project: Path, dest: Path, exclude: tuple[str, ...] = ()) -> Path:
    """A normalised wheel of ``project`` (grading code and checks) in ``dest``, without
    the top-level packages ``exclude`` (the reference solutions)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "src", Path(tmp) / "out"
        _copy_sources(project, source, exclude)
        cmd = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)]
        if _offline_build_possible():
            cmd.append("--no-build-isolation")
        run(cmd, what=f"building the wheel of {project}")
        wheel = next(out.glob("*.whl"))
        target = dest / wheel.name
        normalise_zip(wheel, target)
    return target


def install_wheel(wheel: Path, site: Path) -> Path:
    """Install ``wheel`` alone (no dependencies, no index) into the folder ``site``."""
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--no-compile", "--target", str(site), str(wheel)], what=f"installing {wheel.name}")
    return site


def normalise_zip(source: Path, target: Path, edits: dict[str, Callable] | None = None) -> None:
    """Rewrite a zip with sorted entries, fixed timestamps and permissions; ``edits`` maps
    entry names to functions (bytes -> bytes) applied to their content."""
    edits = edits or {}
    with zipfile.ZipFile(source) as src:
        entries = sorted((info.filename, edits.get(info.filename, bytes)(src.read(info)))
                         for info in src.infolist() if not info.is_dir())
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
    tmp.replace(target)


ENGINES = ("sealed", "otter")


def _otter_line(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if "run_otter.py" in line)


def with_gradescope_hooks(run_autograder: bytes, env: dict[str, str], after: str) -> bytes:
    """Otter's run_autograder script with ``env`` exported before Otter runs and the shell
    command ``after`` run once Otter has written results.json."""
    lines = run_autograder.decode().rstrip("\n").split("\n")
    i = _otter_line(lines)
    exports = [f"export {key}={shlex.quote(value)}" for key, value in env.items()]
    return "\n".join([*lines[:i], *exports, lines[i], *([after] if after else []),
                      *lines[i + 1:]]).encode() + b"\n"


def with_sealed_grader(run_autograder: bytes, checks: str) -> bytes:
    """Otter's run_autograder script grading with ``python -m autograder.gradescope``
    (the sealed grader) instead of Otter's in-kernel run."""
    lines = run_autograder.decode().rstrip("\n").split("\n")
    lines[_otter_line(lines)] = f"python -m autograder.gradescope {shlex.quote(checks)}"
    return "\n".join(lines).encode() + b"\n"


def gradescope_edits(assignment: Assignment, engine: str = "sealed") -> dict[str, Callable]:
    """Zip edits: the sealed grader as run_autograder (engine "sealed"), or Otter's with
    the hooks the assignment asks for (engine "otter": GRADESCOPE_ENV, GRADESCOPE_AFTER
    of its checks module, e.g. the MNIST leaderboard)."""
    if engine not in ENGINES:
        raise ReleaseError(f"unknown grading engine {engine!r}; choose one of {ENGINES}")
    if engine == "sealed":
        return {"run_autograder": lambda data: with_sealed_grader(data, assignment.checks)}
    env, after = assignment.gradescope_env, assignment.gradescope_after
    if not env and not after:
        return {}
    return {"run_autograder": lambda data: with_gradescope_hooks(data, env, after)}


def normalise_notebook(path: Path) -> None:
    """Deterministic cell ids, no execution counts or outputs' volatile metadata."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
        if cell.cell_type == "code":
            cell.execution_count = None
            for output in cell.outputs:
                output.pop("execution_count", None)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def stage(assignment: Assignment, workdir: Path, wheel: Path) -> Path:
    """Copy the master notebook and its support files into ``workdir``; return the notebook.

    The assignment config gains: the student files (``Assignment.student_files``: public
    checks, SUPPORT_FILES, otter_messages.py; students and autograder), the
    grading wheel (autograder only) and a requirements line installing it on Gradescope;
    its ``submission_limit`` (autograder.submission_limit) is checked and moves from the
    config into the autograder's files.
    """
    sources = assignment.release_sources()
    shipped = assignment.student_files()
    for name, source in shipped.items():
        shutil.copy(source, workdir / name)
    (workdir / "wheels").mkdir()
    shutil.copy(wheel, workdir / "wheels" / wheel.name)
    (workdir / "requirements.txt").write_text(f"{GRADESCOPE_FILES}/wheels/{wheel.name}\n")
    nb = nbformat.read(sources.master, as_version=4)
    config_cell = nb.cells[0]
    header, body = config_cell.source.split("\n", 1)
    config = yaml.safe_load(body) or {}
    owned = [key for key in RELEASE_OWNED_KEYS if key in config]
    if owned:
        raise ReleaseError(f"{sources.master}: the release sets {owned} itself; "
                           "remove them from the ASSIGNMENT CONFIG")
    config["files"] = sorted(set(config.get("files", [])) | set(shipped))
    config["autograder_files"] = [f"wheels/{wheel.name}"]
    if submission_limit.CONFIG_KEY in config:  # not Otter's: shipped for run_autograder
        settings = config.pop(submission_limit.CONFIG_KEY)
        try:
            submission_limit.Limit.from_config(settings)
        except submission_limit.LimitError as e:
            raise ReleaseError(f"{assignment.master}: ASSIGNMENT CONFIG: {e}") from None
        (workdir / submission_limit.SHIPPED).write_text(json.dumps(settings, indent=1))
        config["autograder_files"].append(submission_limit.SHIPPED)
    config["requirements"] = "requirements.txt"
    config_cell.source = header + "\n" + yaml.safe_dump(config, sort_keys=False)
    target = workdir / f"{assignment.name}.ipynb"
    nbformat.write(nb, target)
    return target


def otter_assign(notebook: Path, out: Path, site: Path | None) -> None:
    """Run Otter Assign; with ``site`` (the installed grading wheel) Otter also grades the
    solution notebook through the new zip and fails unless it gets full marks."""
    cmd = [sys.executable, "-m", "otter", "assign", notebook.name, str(out)]
    if site is None:
        cmd.append("--no-run-tests")
    run(cmd, cwd=notebook.parent, env=subprocess_env(site),
        what="otter assign (see the master notebook)")


def render_html(notebook: Path, target: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target.write_text(body, encoding="utf-8")


def build(assignment: Assignment, dest: Path, wheel: Path,
          site: Path | None = None, engine: str = "sealed") -> dict[str, Path]:
    """Build ``dest`` (= dist/<name>) from the master; return the paths of the outputs.

    ``site``: the grading wheel installed, for Otter to test the solution (None: no test);
    ``engine``: what the zip's run_autograder grades with (ENGINES).
    """
    master = assignment.release_sources().master
    if not master.exists():
        raise ReleaseError(f"no master notebook at {master}")
    if dest.exists():
        shutil.rmtree(dest)
    name = assignment.name
    paths = {"student": dest / "student" / f"{name}.ipynb",
             "zip": dest / "autograder" / f"{name}-autograder.zip",
             "solution": dest / "solutions" / f"{name}.ipynb",
             "html": dest / "solutions" / f"{name}.html"}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp) / "stage"
        workdir.mkdir()
        notebook = stage(assignment, workdir, wheel)
        if engine != "sealed" and (workdir / submission_limit.SHIPPED).exists():
            raise ReleaseError(f"{assignment.master}: ASSIGNMENT CONFIG: "
                               f"{submission_limit.CONFIG_KEY} is applied by the sealed "
                               "grader only (--engine sealed)")
        out = workdir / "out"
        otter_assign(notebook, out, site)
        for folder in ("student", "autograder", "solutions"):
            (dest / folder).mkdir(parents=True)
        for item in (out / "student").iterdir():
            shutil.copy(item, dest / "student" / item.name)
        (dest / "student" / "requirements.txt").write_text(
            requirements.text(assignment))
        normalise_zip(next((out / "autograder").glob("*.zip")), paths["zip"],
                      gradescope_edits(assignment, engine))
        shutil.copy(out / "autograder" / notebook.name, paths["solution"])
    for key in ("student", "solution"):
        normalise_notebook(paths[key])
    render_html(paths["solution"], paths["html"])
    return paths


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, keyed by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
