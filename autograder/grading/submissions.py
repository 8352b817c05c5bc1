"""Find and read submissions. Everything in a submission is treated as data: notebooks
are parsed as JSON; zips are read in memory, only their notebook entry (``.OTTER_LOG``
and every other file are ignored: never extracted, unpickled or run).

Layouts of the submissions folder, and the student id each gives:

    alice.ipynb, bob.zip                      file name without extension (alice, bob)
    alice/optimization.ipynb                  subfolder name (alice)
    Gradescope "Export submissions"           submission_metadata.yml: the submitter's
      (submission_metadata.yml, submission_<n>/)     sid, else email, else name
    Canvas bulk download                      <name>[_late]_<user id>_<n>_<file>:
      (doejane_12345_67890_optimization.ipynb)      <name>_<user id> (doejane_12345)
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import TypedDict
from pathlib import Path, PurePosixPath

from autograder.otter_format import IGNORE_TAG, source as cell_source, student_manual_blocks, \
    tags as cell_tags

MAX_NOTEBOOK_BYTES = 32 << 20
MAX_ZIP_ENTRIES = 2000
CANVAS_NAME = re.compile(
    r"^(?P<name>[A-Za-z0-9-]+?)(?:_LATE)?_(?P<user>\d+)_(?P<n>\d+)_(?P<file>.+)$", re.IGNORECASE)
GRADESCOPE_METADATA = "submission_metadata.yml"


class InputError(Exception):
    """A mistake in what the user asked for (a missing folder, an unknown assignment)."""


class InvalidSubmission(Exception):
    """A submission that cannot be graded (not a notebook, a broken zip, ...)."""


class Submitter(TypedDict, total=False):
    """One person behind a Gradescope submission (its metadata's :name, :sid, :email)."""

    name: str
    sid: str
    email: str


class SubmissionMeta(TypedDict, total=False):
    """What a download's file names or metadata say about a submission (``Result.meta``):
    a Canvas user id and name, or a Gradescope submission folder and its submitters."""

    canvas_user_id: str
    name: str
    submission: str
    submitters: list[Submitter]


@dataclass
class Submission:
    """One student's submission: the code cells to run, or why there are none."""

    student: str
    source: str                   # path relative to the submissions folder
    sha256: str                   # content hash of the notebook (of the file when invalid)
    cells: list[dict] = field(default_factory=list)    # {"number": n, "source": code}
    skipped: list[int] = field(default_factory=list)   # numbers of cells tagged otter_ignore
    error: str = ""               # why it is invalid ("" when valid)
    meta: SubmissionMeta = field(default_factory=lambda: SubmissionMeta())  # names, ids
    written: list = field(default_factory=list)        # manual question blocks, see below


def written_blocks(nb: dict) -> list[dict]:
    """The manual-question blocks of a parsed notebook as plain data: ``{"prompt": text,
    "cells": [{"cell_type", "source", "attachments"}]}``; outputs are dropped."""
    def plain(cell):
        attachments = cell.get("attachments")
        return {"cell_type": str(cell.get("cell_type")), "source": cell_source(cell),
                "attachments": attachments if isinstance(attachments, dict) else {}}
    return [{"prompt": prompt, "cells": [plain(c) for c in cells]}
            for prompt, cells in student_manual_blocks(nb)]


def discover(folder) -> list[Submission]:
    """Every submission in ``folder``, with unique student ids, in a stable order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    if (folder / GRADESCOPE_METADATA).is_file():
        groups = _gradescope(folder)
    else:
        groups = _by_file_name(folder)
    if not groups:
        raise InputError(f"{folder}: no submissions found (.ipynb notebooks or .zip exports)")
    taken: set[str] = set()
    out = []
    for raw_id, paths, meta in sorted(groups, key=lambda g: (g[0], [str(p) for p in g[1]])):
        student = _unique(_safe_id(raw_id), taken)
        out.append(read(folder, student, paths, meta))
    return out


def read_folder(folder: Path, student: str) -> Submission:
    """The one submission in ``folder`` (a notebook, else a grader.export() zip)."""
    paths = _candidates(Path(folder))
    if not paths:
        raise InputError(f"{folder}: no notebook (.ipynb) or grader.export() zip submitted")
    return read(Path(folder), student, paths)


def read(folder: Path, student: str, paths: list[Path],
         meta: SubmissionMeta | None = None) -> Submission:
    """The submission of ``student`` among candidate files ``paths`` (valid or not)."""
    notebooks = [p for p in paths if p.suffix == ".ipynb"]
    zips = [p for p in paths if p.suffix == ".zip"]
    chosen = notebooks if len(notebooks) == 1 else zips if not notebooks and len(zips) == 1 else []
    source = str(chosen[0].relative_to(folder)) if chosen else \
        ", ".join(str(p.relative_to(folder)) for p in paths)
    try:
        if not chosen:
            raise InvalidSubmission(f"several candidate files: {source}")
        path = chosen[0]
        data = _notebook_from_zip(path) if path.suffix == ".zip" else _read_capped(path)
        nb = _json_notebook(data)
        cells, skipped = _code_cells(nb)
    except InvalidSubmission as e:
        digest = hashlib.sha256(b"".join(_read_head(p) for p in paths)).hexdigest()
        return Submission(student, source, digest, error=str(e), meta=meta or SubmissionMeta())
    return Submission(student, source, hashlib.sha256(data).hexdigest(), cells, skipped,
                      meta=meta or SubmissionMeta(), written=written_blocks(nb))


def parse_notebook(data: bytes) -> tuple[list[dict], list[int]]:
    """(code cells to run, numbers of cells tagged otter_ignore) of a .ipynb (JSON only)."""
    return _code_cells(_json_notebook(data))


def _json_notebook(data: bytes) -> dict:
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidSubmission("not a Jupyter notebook (invalid JSON)") from None
    if type(nb) is not dict or type(nb.get("cells")) is not list:
        major = nb.get("nbformat") if type(nb) is dict else None
        raise InvalidSubmission(f"not a Jupyter notebook in format 4 (nbformat {major})")
    return nb


def _code_cells(nb: dict) -> tuple[list[dict], list[int]]:
    """Code cells by their number: the position in the notebook counted from 1, every cell
    counted, as a person counts them from the top (the number every message names)."""
    cells, skipped = [], []
    for number, cell in enumerate(nb["cells"], start=1):
        if type(cell) is not dict or cell.get("cell_type") != "code":
            continue
        if IGNORE_TAG in cell_tags(cell):
            skipped.append(number)
        else:
            cells.append({"number": number, "source": cell_source(cell)})
    return cells, skipped


# ----------------------------------------------------------------------------- files
def _candidates(folder: Path) -> list[Path]:
    """Notebooks and zips below ``folder``; hidden entries, checkpoints and links skipped."""
    out = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.suffix in (".ipynb", ".zip") and path.is_file() and not path.is_symlink() \
                and not any(p.startswith((".", "__MACOSX")) for p in parts):
            out.append(path)
    return out


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as f:
        data = f.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(f"notebook larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
    return data


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(MAX_NOTEBOOK_BYTES)


def _notebook_from_zip(path: Path) -> bytes:
    """The one notebook inside a grader.export() zip; nothing else is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise InvalidSubmission(f"zip with {len(entries)} entries")
            notebooks = [e for e in entries if not e.is_dir() and e.filename.endswith(".ipynb")
                         and not any(p.startswith((".", "__MACOSX"))
                                     for p in PurePosixPath(e.filename).parts)]
            if len(notebooks) != 1:
                raise InvalidSubmission(f"expected one notebook in the zip, found {len(notebooks)}")
            if notebooks[0].file_size > MAX_NOTEBOOK_BYTES:
                raise InvalidSubmission(f"notebook larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
            with archive.open(notebooks[0]) as f:
                data = f.read(MAX_NOTEBOOK_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError,
            NotImplementedError, ValueError) as e:
        raise InvalidSubmission(f"unreadable zip ({type(e).__name__})") from None
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(f"notebook larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
    return data


# ----------------------------------------------------------------------------- layouts
def _by_file_name(folder: Path) -> list[tuple[str, list[Path], SubmissionMeta]]:
    """Plain folders and Canvas downloads: ids from file or subfolder names."""
    groups: dict[str, list[Path]] = {}
    meta: dict[str, SubmissionMeta] = {}
    candidates = _candidates(folder)
    top = [p for p in candidates if p.parent == folder]
    canvas = bool(top) and all(CANVAS_NAME.match(p.name) for p in top)
    for path in candidates:
        rel = path.relative_to(folder)
        if len(rel.parts) > 1:
            student = rel.parts[0]
        elif canvas:
            match = CANVAS_NAME.match(path.name)
            assert match is not None  # every top-level file matched above
            student = f"{match['name']}_{match['user']}"
            meta[student] = {"canvas_user_id": match["user"], "name": match["name"]}
        else:
            student = path.stem
        groups.setdefault(student, []).append(path)
    return [(s, paths, meta.get(s, {})) for s, paths in groups.items()]


def _gradescope(folder: Path) -> list[tuple[str, list[Path], SubmissionMeta]]:
    """A Gradescope export: submission_<n>/ folders described by submission_metadata.yml."""
    import yaml

    try:
        metadata = yaml.safe_load((folder / GRADESCOPE_METADATA).read_text(errors="replace"))
    except yaml.YAMLError as e:
        raise InputError(f"{folder / GRADESCOPE_METADATA}: unreadable ({e})") from None
    metadata = metadata if isinstance(metadata, dict) else {}
    groups = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        paths = _candidates(sub)
        if not paths:
            continue
        entry = metadata.get(sub.name)
        entry = entry if isinstance(entry, dict) else {}
        submitters = [s for s in entry.get(":submitters", []) if isinstance(s, dict)]
        people: list[Submitter] = [
            {k.lstrip(":"): str(v) for k, v in s.items()  # type: ignore[misc]
             if k in (":name", ":sid", ":email")} for s in submitters]
        first = people[0] if people else {}
        student = first.get("sid") or first.get("email") or first.get("name") or sub.name
        groups.append((student, paths, SubmissionMeta(submission=sub.name, submitters=people)))
    return groups


def _safe_id(raw: str) -> str:
    """A student id usable as a file name and a CSV cell."""
    return re.sub(r"[^A-Za-z0-9._@+-]+", "_", str(raw)).strip("._-+")[:80] or "student"


def _unique(student: str, taken: set[str]) -> str:
    candidate, n = student, 2
    while candidate.lower() in taken:
        candidate, n = f"{student}-{n}", n + 1
    taken.add(candidate.lower())
    return candidate
