"""Build one assignment's release with Otter Assign, normalised to be reproducible.

Output layout (``dist/<name>/``)::

    student/<name>.ipynb, student/<name>_public.py      what students get
    autograder/<name>-autograder.zip                    Gradescope autograder
    solutions/<name>.ipynb, solutions/<name>.html       filled notebook and its rendering
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import yaml

from autograder.notebooks import ROOT, master_path, public_module_name

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SOURCE_DATE_EPOCH = "315532800"  # 1980-01-01, the earliest time a zip entry can hold
GRADESCOPE_FILES = "/autograder/source/files"


class ReleaseError(RuntimeError):
    """A release step failed; the message says which and why."""


def subprocess_env() -> dict:
    """Environment of release subprocesses: this checkout importable, fixed build dates."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}


def run(cmd, cwd=None, what="command", timeout=900):
    """Run ``cmd``; raise ReleaseError with its output tail when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, env=subprocess_env(), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise ReleaseError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc


def build_wheel(dest: Path) -> Path:
    """A wheel of this package (grading code, checks and solutions) for the autograder."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", tmp],
            what="building the grading wheel")
        wheel = next(Path(tmp).glob("*.whl"))
        target = dest / wheel.name
        normalise_zip(wheel, target)
    return target


def normalise_zip(source: Path, target: Path) -> None:
    """Rewrite a zip with sorted entries, fixed timestamps and permissions."""
    with zipfile.ZipFile(source) as src:
        entries = sorted((info.filename, src.read(info)) for info in src.infolist()
                         if not info.is_dir())
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
    tmp.replace(target)


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


def stage(name: str, workdir: Path, wheel: Path) -> Path:
    """Copy the master notebook and its support files into ``workdir``; return the notebook.

    The assignment config gains: the public checks file (students and autograder), the
    grading wheel (autograder only) and a requirements line installing it on Gradescope.
    """
    public = public_module_name(name) + ".py"
    shutil.copy(ROOT / "autograder" / name / "public.py", workdir / public)
    (workdir / "wheels").mkdir()
    shutil.copy(wheel, workdir / "wheels" / wheel.name)
    (workdir / "requirements.txt").write_text(f"{GRADESCOPE_FILES}/wheels/{wheel.name}\n")
    nb = nbformat.read(master_path(name), as_version=4)
    config_cell = nb.cells[0]
    header, body = config_cell.source.split("\n", 1)
    config = yaml.safe_load(body) or {}
    config["files"] = sorted(set(config.get("files", [])) | {public})
    config["autograder_files"] = [f"wheels/{wheel.name}"]
    config["requirements"] = "requirements.txt"
    config_cell.source = header + "\n" + yaml.safe_dump(config, sort_keys=False)
    target = workdir / f"{name}.ipynb"
    nbformat.write(nb, target)
    return target


def otter_assign(notebook: Path, out: Path, run_tests: bool) -> None:
    cmd = [sys.executable, "-m", "otter", "assign", notebook.name, str(out)]
    if not run_tests:
        cmd.append("--no-run-tests")
    run(cmd, cwd=notebook.parent, what="otter assign (see the master notebook)")


def render_html(notebook: Path, target: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target.write_text(body, encoding="utf-8")


def build(name: str, dest: Path, wheel: Path, run_tests: bool = True) -> dict[str, Path]:
    """Build ``dest`` (= dist/<name>) from the master; return the paths of the outputs."""
    if not master_path(name).exists():
        raise ReleaseError(f"no master notebook at {master_path(name)}")
    if dest.exists():
        shutil.rmtree(dest)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp) / "stage"
        workdir.mkdir()
        notebook = stage(name, workdir, wheel)
        otter_assign(notebook, workdir / "out", run_tests)
        out = workdir / "out"
        (dest / "student").mkdir(parents=True)
        (dest / "autograder").mkdir()
        (dest / "solutions").mkdir()
        for item in (out / "student").iterdir():
            shutil.copy(item, dest / "student" / item.name)
        zip_path = dest / "autograder" / f"{name}-autograder.zip"
        normalise_zip(next((out / "autograder").glob("*.zip")), zip_path)
        shutil.copy(out / "autograder" / f"{name}.ipynb", dest / "solutions" / f"{name}.ipynb")
    paths = {
        "student": dest / "student" / f"{name}.ipynb",
        "public": dest / "student" / (public_module_name(name) + ".py"),
        "zip": zip_path,
        "solution": dest / "solutions" / f"{name}.ipynb",
        "html": dest / "solutions" / f"{name}.html",
    }
    for key in ("student", "solution"):
        normalise_notebook(paths[key])
    render_html(paths["solution"], paths["html"])
    return paths


def digest(paths) -> dict[str, str]:
    """sha256 of each file, keyed by file name (what the determinism check compares)."""
    return {Path(p).name: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
