"""Find and read submissions. Everything in a submission is treated as data: notebooks
are parsed as JSON; zips are read in memory, only their notebook entry (``.OTTER_LOG``
and every other file are ignored: never extracted, unpickled or run).

Every file in the submissions folder is accounted for (``survey``): it belongs to one
student's submission, or it is listed as not graded with the reason (macOS and Windows
metadata, hidden files, checkpoints, links, older files of a student, files beside a
student's notebook). A student's files are named in one of these layouts, recognized per
file, so that one file named otherwise changes nothing for the others:

    alice.ipynb, bob.zip, alice.pdf           plain: the file name without extension (alice)
    alice/optimization.ipynb                  plain: the subfolder's name (alice)
    doejane_LATE_12345_678_optimization.ipynb Canvas bulk download: <name>[_LATE]_<user id>
                                              _<attachment id>_<file>: doejane_12345;
                                              anonymous grading: anon_<id>
    Jane Doe_4242_assignsubmission_file_x.ipynb   Moodle "Download all submissions", flat or
    Jane Doe_4242_assignsubmission_file_/x.ipynb  in folders: Jane_Doe_4242
    submission_metadata.yml, submission_<n>/  Gradescope "Export submissions": the
                                              submitter's SID, else email, else name

A student with several files is graded on the latest (Canvas: the highest attachment id,
then the ``-N`` suffix Canvas adds to a file name uploaded again; then the modification
time); the others are listed as not graded. A person in several Gradescope submissions (a
group's and their own) belongs to the latest (``:created_at:``, then the submission
number) only. The folder may also be the export's zip, or the folder it was unzipped into
(the export folder one level down); a zip given as the folder is unpacked into a private
temporary folder, read, and removed.
"""
from __future__ import annotations

import hashlib
import json
import lzma
import os
import re
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypedDict
from pathlib import Path, PurePosixPath

from autograder.otter_format import IGNORE_TAG, source as cell_source, student_manual_blocks, \
    tags as cell_tags

MAX_NOTEBOOK_BYTES = 32 << 20
MAX_ZIP_ENTRIES = 2000
MAX_ANSWER_CHARS = 20_000       # text of one written answer (all its cells) kept for the pages
MAX_ANSWER_CELLS = 50
MAX_IMAGE_CHARS = 2 << 20       # base64 text of one pasted image
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
# what reading a corrupt archive may raise, per compression: stored and deflate (zlib),
# bzip2, lzma, and the zip structure itself
ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError,
                  OSError, EOFError, RuntimeError, NotImplementedError, ValueError,
                  IndexError, KeyError, TypeError, OverflowError, MemoryError)
# Canvas writes "<sortable name, lowercased, word characters only>[_LATE]_<user id>_<attachment
# id>_<file name>" (its name never holds "_<digits>_"), or "[LATE_]anon_<id>_..." when grading
# anonymously
CANVAS_NAME = re.compile(r"^(?P<name>\w*?)(?:_LATE)?_(?P<user>\d+)_(?P<attachment>\d+)_"
                         r"(?P<file>.+)$", re.IGNORECASE)
CANVAS_ANONYMOUS = re.compile(r"^(?:LATE_)?anon_(?P<anon>[A-Za-z0-9]+)_(?P<attachment>\d+)_"
                              r"(?P<file>.+)$", re.IGNORECASE)
MOODLE_NAME = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_[a-z]+_(?P<file>.*)$")
AGAIN_SUFFIX = re.compile(r"-(\d+)$")  # optimization-1.ipynb: Canvas's name for an upload again
GRADESCOPE_METADATA = "submission_metadata.yml"
GRADED_SUFFIXES = (".ipynb", ".zip")
MAX_UNPACKED_BYTES = 16 << 30   # a zip given as the submissions folder, unpacked
MAX_ARCHIVE_ENTRIES = 200_000


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
    the layout; a Canvas user id and name (a Moodle participant id and name); or a
    Gradescope submission folder and the submitters it is the latest submission of
    (``group``: every submitter, when some of them have a later submission)."""

    layout: str
    canvas_user_id: str
    moodle_id: str
    name: str
    submission: str
    submitters: list[Submitter]
    group: list[Submitter]


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
    "cells": [{"cell_type", "source", "attachments": {name: {image type: base64}}}]}``;
    outputs are dropped. Bounded: an answer's text is cut at MAX_ANSWER_CHARS (a last
    cell says so), images that are not base64 text of one of IMAGE_TYPES, or larger than
    MAX_IMAGE_CHARS, are left out."""
    def plain(cell, left: int):
        text = cell_source(cell)
        return {"cell_type": str(cell.get("cell_type"))[:20], "source": text[:left],
                "attachments": _images(cell.get("attachments"))}, len(text)
    blocks = []
    for prompt, cells in student_manual_blocks(nb):
        kept, left = [], MAX_ANSWER_CHARS
        for cell in cells[:MAX_ANSWER_CELLS]:
            if left <= 0:
                break
            entry, size = plain(cell, left)
            kept.append(entry)
            left -= size
        if left < 0 or len(cells) > MAX_ANSWER_CELLS:
            kept.append({"cell_type": "markdown", "attachments": {}, "source":
                         f"*(answer cut: only its first {MAX_ANSWER_CHARS} characters and "
                         f"{MAX_ANSWER_CELLS} cells are shown)*"})
        blocks.append({"prompt": prompt[:MAX_ANSWER_CHARS], "cells": kept})
    return blocks


def _images(attachments) -> dict:
    """A cell's pasted images as {name: {image type: base64 text}} (nothing else kept)."""
    out: dict = {}
    for name, data in (attachments.items() if isinstance(attachments, dict) else ()):
        if not isinstance(data, dict):
            continue
        for kind in IMAGE_TYPES:
            payload = data.get(kind)
            if isinstance(payload, list) and all(isinstance(p, str) for p in payload):
                payload = "".join(payload)
            if isinstance(payload, str) and len(payload) <= MAX_IMAGE_CHARS:
                out[str(name)[:200]] = {kind: payload}
                break
    return out


@dataclass(frozen=True)
class Ignored:
    """A file of the submissions that is not graded: its path (relative to the
    submissions), why, and the student it belongs to when known."""

    path: str
    reason: str
    student: str = ""


@dataclass(frozen=True)
class Survey:
    """Everything a submissions folder holds: one submission per student (in a stable
    order, unique ids), the files not graded (``ignored``), and a note for each person
    found in several submissions (``several``: graded on the latest)."""

    submissions: list[Submission]
    ignored: list[Ignored] = field(default_factory=list)
    several: list[str] = field(default_factory=list)


def discover(folder) -> list[Submission]:
    """Every submission in ``folder`` (see ``survey``)."""
    return survey(folder).submissions


def survey(target, exclude: Path | None = None) -> Survey:
    """The submissions of ``target`` (a folder, or a zip of one) in the layouts of the
    module docstring; ``exclude``: a folder inside it that is not submissions (OUT)."""
    target = Path(target)
    if target.is_file() and zipfile.is_zipfile(target):
        with tempfile.TemporaryDirectory(prefix="advopt-submissions-") as tmp:
            ignored = _unpack(target, Path(tmp))
            found = _survey_folder(Path(tmp), None)
            return Survey(found.submissions, ignored + found.ignored, found.several)
    if not target.exists():
        raise InputError(f"{target}: no such folder")
    if not target.is_dir():
        raise InputError(f"{target}: not a folder, nor a zip of one")
    return _survey_folder(target, exclude)


def _unreadable(folder: Path, student: str, paths: list[Path], meta: SubmissionMeta | None,
                error: Exception) -> Submission:
    """The submission of ``student`` as invalid: reading its files failed with ``error``."""
    try:
        digest = hashlib.sha256(b"".join(_read_head(p) for p in paths)).hexdigest()
    except OSError:
        digest = hashlib.sha256(repr(paths).encode(errors="replace")).hexdigest()
    return Submission(student, ", ".join(str(p.relative_to(folder)) for p in paths), digest,
                      error=f"could not be read ({type(error).__name__})",
                      meta=meta or SubmissionMeta())


def read_folder(folder: Path, student: str) -> Submission:
    """The one submission in ``folder`` (a notebook, else a grader.export() zip)."""
    paths = _candidates(Path(folder))
    if not paths:
        raise InputError(f"{folder}: no notebook (.ipynb) or grader.export() zip submitted")
    return read(Path(folder), student, paths)


def read(folder: Path, student: str, paths: list[Path],
         meta: SubmissionMeta | None = None) -> Submission:
    """The submission of ``student`` among candidate files ``paths`` (valid or not: any
    failure while reading it makes it invalid, with the reason): its one notebook,
    else its one zip; several are invalid."""
    try:
        return _read(folder, student, paths, meta)
    except Exception as e:  # a file that vanished, cannot be read, holds anything at all
        return _unreadable(folder, student, paths, meta, e)


def _read(folder: Path, student: str, paths: list[Path],
          meta: SubmissionMeta | None) -> Submission:
    notebooks = [p for p in paths if p.suffix == ".ipynb"]
    zips = [p for p in paths if p.suffix == ".zip"]
    chosen = notebooks if len(notebooks) == 1 else zips if not notebooks and len(zips) == 1 else []
    if chosen:
        return read_file(chosen[0], str(chosen[0].relative_to(folder)), student, meta)
    source = ", ".join(str(p.relative_to(folder)) for p in paths)
    return _invalid(paths, source, student, f"several candidate files: {source}", meta)


def read_file(path: Path, source: str, student: str,
              meta: SubmissionMeta | None = None) -> Submission:
    """The submission of ``student`` in the notebook or grader.export() zip ``path``
    (shown as ``source``); invalid with the reason when it cannot be read as one."""
    try:
        data = _notebook_from_zip(path) if path.suffix.lower() == ".zip" else _read_capped(path)
        nb = _json_notebook(data)
        cells, skipped = _code_cells(nb)
    except InvalidSubmission as e:
        return _invalid([path], source, student, str(e), meta)
    return Submission(student, source, hashlib.sha256(data).hexdigest(), cells, skipped,
                      meta=meta or SubmissionMeta(), written=written_blocks(nb))


def _invalid(paths: list[Path], source: str, student: str, error: str,
             meta: SubmissionMeta | None) -> Submission:
    digest = hashlib.sha256(b"".join(_read_head(p) for p in paths)).hexdigest()
    return Submission(student, source, digest, error=error, meta=meta or SubmissionMeta())


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
    except ARCHIVE_ERRORS as e:
        raise InvalidSubmission(f"unreadable zip ({type(e).__name__})") from None
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(f"notebook larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
    return data


# ----------------------------------------------------------------------------- layouts
JUNK = {"__MACOSX": "macOS archive metadata", ".DS_Store": "macOS folder metadata",
        "Thumbs.db": "Windows folder metadata", "desktop.ini": "Windows folder metadata",
        ".ipynb_checkpoints": "Jupyter's autosaved checkpoints"}


@dataclass(frozen=True)
class _Owner:
    """Whose files are, as their names (or a Gradescope export's metadata) say: ``key``
    is one student; ``rank`` orders a person's Gradescope submissions (later is larger)."""

    key: tuple
    raw_id: str
    meta: SubmissionMeta
    rank: tuple = ()


@dataclass
class _Files:
    """One student's files: ``graded`` (notebooks and zips, with the rank that orders them:
    the latest is largest) and ``other`` files; ``where``: the folder or first file."""

    owner: _Owner
    where: Path
    graded: list[tuple[tuple, Path]] = field(default_factory=list)
    other: list[Path] = field(default_factory=list)


def _survey_folder(given: Path, exclude: Path | None) -> Survey:
    ignored: list[Ignored] = []

    def shown(path: Path) -> str:
        return str(path.relative_to(given))

    root = _export_root(given, exclude, ignored, shown)
    metadata = _gradescope_metadata(root) if (root / GRADESCOPE_METADATA).is_file() else None
    students: dict[tuple, _Files] = {}
    for item in sorted(root.iterdir()):
        if metadata is not None and item.name == GRADESCOPE_METADATA:
            continue
        why = _not_submitted(item, exclude)
        if why:
            ignored.append(Ignored(shown(item), why))
            continue
        if item.is_dir():
            owner, prefix = _folder_owner(item.name, metadata), ()
            found = list(_files_below(item, exclude, ignored, shown))
        else:
            (owner, prefix), found = _file_owner(item.name), [item]
        files = students.setdefault(owner.key, _Files(owner, item))
        for path in found:
            if path.suffix.lower() in GRADED_SUFFIXES:
                files.graded.append(((*prefix, *_again(path), _mtime(path), path.name), path))
            else:
                files.other.append(path)
    groups = list(students.values())
    several = _one_submission_per_person(groups, ignored, shown)
    if not any(files.graded for files in groups):
        raise InputError(f"{given}: no submissions found (.ipynb notebooks or .zip exports)")
    taken: set[str] = set()
    out = []
    for files in sorted(groups, key=lambda f: (f.owner.raw_id, str(f.owner.key))):
        student = _unique(_safe_id(files.owner.raw_id), taken)
        out.append(_latest(files, student, ignored, shown))
    return Survey(out, ignored, several)


def _latest(files: _Files, student: str, ignored: list[Ignored], shown) -> Submission:
    """``student``'s submission: their latest notebook or zip (the others listed as not
    graded), else an invalid one saying what they handed in."""
    meta = files.owner.meta
    if not files.graded:
        names = [shown(p) for p in files.other]
        error = f"handed in {', '.join(names)}: not a notebook (.ipynb) or grader.export() " \
                "zip" if names else "handed in no file"
        return _invalid(files.other, ", ".join(names) or shown(files.where), student, error,
                        meta)
    ranked = [path for _, path in sorted(files.graded, key=lambda f: f[0], reverse=True)]
    chosen = shown(ranked[0])
    ignored += [Ignored(shown(p), f"an older file of {student} (graded: {chosen})", student)
                for p in ranked[1:]]
    ignored += [Ignored(shown(p), f"not a notebook; {student} is graded on {chosen}", student)
                for p in files.other]
    return read_file(ranked[0], chosen, student, meta)


def _export_root(folder: Path, exclude, ignored: list[Ignored], shown) -> Path:
    """``folder``, or the Gradescope export folder one or two levels below it when
    ``folder`` holds nothing else (the folder an export's zip was unzipped into)."""
    root, skipped = folder, list[Ignored]()
    for _ in range(3):
        if (root / GRADESCOPE_METADATA).is_file():
            ignored += skipped
            return root
        inside = []
        for item in sorted(root.iterdir()):
            why = _not_submitted(item, exclude)
            if why:
                skipped.append(Ignored(shown(item), why))
            else:
                inside.append(item)
        if len(inside) != 1 or not inside[0].is_dir():
            break
        root = inside[0]
    return folder


def _not_submitted(path: Path, exclude: Path | None) -> str:
    """Why ``path`` is no part of a submission ("" when it may be)."""
    name = path.name
    if exclude is not None and path.resolve() == exclude.resolve():
        return "the grader's output folder (OUT)"
    if path.is_symlink():
        return "a link (not followed)"
    if name in JUNK:
        return JUNK[name]
    if name.startswith("._"):
        return "macOS metadata (AppleDouble)"
    if name.startswith("."):
        return "a hidden file"
    if not (path.is_dir() or path.is_file()):
        return "not a regular file"
    return ""


def _files_below(folder: Path, exclude, ignored: list[Ignored], shown) -> Iterator[Path]:
    """Every file below ``folder`` that may be part of a submission (the others are added
    to ``ignored``, a skipped folder once)."""
    for parent, dirs, names in os.walk(folder):
        for name in sorted(dirs):
            why = _not_submitted(Path(parent) / name, exclude)
            if why:
                dirs.remove(name)
                ignored.append(Ignored(shown(Path(parent) / name), why))
        dirs.sort()
        for name in sorted(names):
            path = Path(parent) / name
            why = _not_submitted(path, exclude)
            if why:
                ignored.append(Ignored(shown(path), why))
            else:
                yield path


def _file_owner(name: str) -> tuple[_Owner, tuple]:
    """The student a top-level file's name names, and its rank among their files (a
    Canvas attachment id: later uploads have larger ones)."""
    match = CANVAS_NAME.match(name)
    if match:
        user = match["user"]
        return _Owner(("canvas", user), f"{match['name']}_{user}",
                      SubmissionMeta(layout="canvas", canvas_user_id=user,
                                     name=match["name"])), (int(match["attachment"]),)
    match = CANVAS_ANONYMOUS.match(name)
    if match:
        anonymous = f"anon_{match['anon'].lower()}"
        return _Owner(("canvas", anonymous), anonymous,
                      SubmissionMeta(layout="canvas", name=anonymous)), \
            (int(match["attachment"]),)
    match = MOODLE_NAME.match(name)
    if match and match["file"]:
        return _moodle(match), ()
    stem = Path(name).stem
    return _Owner(("plain", stem), stem, SubmissionMeta(layout="plain")), ()


def _folder_owner(name: str, metadata: dict | None) -> _Owner:
    """The student a top-level folder is: a Gradescope submission, a Moodle participant,
    or the folder's name."""
    if metadata is not None and (name in metadata or name.startswith("submission_")):
        entry = metadata.get(name)
        entry = entry if isinstance(entry, dict) else {}
        people = _submitters(entry)
        number = re.fullmatch(r"submission_(\d+)", name)
        when = _timestamp(entry.get(":created_at"))
        rank = (when if when is not None else float("-inf"), int(number[1]) if number else -1)
        return _Owner(("gradescope", name), _person_id(people[0]) if people else name,
                      SubmissionMeta(layout="gradescope", submission=name, submitters=people),
                      rank)
    match = MOODLE_NAME.match(name)
    if match and not match["file"]:
        return _moodle(match)
    return _Owner(("plain", name), name, SubmissionMeta(layout="plain"))


def _moodle(match: re.Match) -> _Owner:
    return _Owner(("moodle", match["user"]), f"{match['name']}_{match['user']}",
                  SubmissionMeta(layout="moodle", moodle_id=match["user"],
                                 name=match["name"]))


def _again(path: Path) -> tuple[int]:
    """The ``-N`` Canvas appends to a file name uploaded again (0 without)."""
    match = AGAIN_SUFFIX.search(path.stem)
    return (int(match[1]) if match else 0,)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _unpack(archive: Path, into: Path) -> list[Ignored]:
    """Unpack the zip given as the submissions folder into ``into`` (names made safe by
    zipfile, sizes bounded, modification times kept); entries that cannot be read are
    returned as not graded."""
    skipped: list[Ignored] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = zf.infolist()
            total = sum(e.file_size for e in entries)
            if len(entries) > MAX_ARCHIVE_ENTRIES or total > MAX_UNPACKED_BYTES:
                raise InputError(f"{archive}: too large to unpack ({len(entries)} files, "
                                 f"{total >> 20} MB); unzip it and give the folder")
            for entry in entries:
                try:
                    written = Path(zf.extract(entry, into))
                except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError,
                        RuntimeError, NotImplementedError, ValueError, zlib.error) as e:
                    skipped.append(Ignored(entry.filename,
                                           f"unreadable in {archive.name} ({type(e).__name__})"))
                    continue
                if not entry.is_dir():
                    try:
                        stamp = time.mktime((*entry.date_time, 0, 0, -1))
                        os.utime(written, (stamp, stamp))
                    except (OverflowError, ValueError, OSError):
                        pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as e:
        raise InputError(f"{archive}: unreadable zip ({type(e).__name__})") from None
    return skipped


# ----------------------------------------------------------------------------- Gradescope
def _gradescope_metadata(folder: Path) -> dict:
    """submission_metadata.yml of a Gradescope export: {"submission_<n>": {":submitters":
    [{":name", ":sid", ":email"}], ":created_at": ..., ...}}."""
    import yaml

    try:
        metadata = yaml.safe_load((folder / GRADESCOPE_METADATA).read_text(errors="replace"))
    except yaml.YAMLError as e:
        raise InputError(f"{folder / GRADESCOPE_METADATA}: unreadable ({e})") from None
    return metadata if isinstance(metadata, dict) else {}


def _submitters(entry: dict) -> list[Submitter]:
    """The submitters of a metadata entry, without empty fields (an empty SID is absent,
    never the text "None")."""
    people = []
    for person in entry.get(":submitters") or []:
        if isinstance(person, dict):
            fields = {key.lstrip(":"): str(value).strip() for key, value in person.items()
                      if key in (":name", ":sid", ":email") and value is not None}
            people.append(Submitter(**{k: v for k, v in fields.items() if v}))  # type: ignore[typeddict-item]
    return people


def _person_id(person: Submitter) -> str:
    return person.get("sid") or person.get("email") or person.get("name") or "student"


def _person_key(person: Submitter) -> tuple[str, str]:
    """Who a submitter is: their SID, else email, else name (case ignored)."""
    for field_name in ("sid", "email", "name"):
        value = str(person.get(field_name, ""))
        if value:
            return field_name, value.casefold()
    return "", ""


def _timestamp(value) -> float | None:
    """Seconds since the epoch of a metadata time (YAML's datetime, or text such as
    ``2024-03-01 14:20:33.123456789 -0800``); None when there is none."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    match = re.match(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))? ?"
                     r"(Z|UTC|[+-]\d\d:?\d\d)?$", str(value or "").strip())
    if not match:
        return None
    date, clock, fraction, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z", "UTC") else f"{zone[:3]}:{zone[-2:]}"
    fraction = f".{fraction[:6]}" if fraction else ""
    try:
        return datetime.fromisoformat(f"{date}T{clock}{fraction}{zone}").timestamp()
    except ValueError:
        return None


def _one_submission_per_person(groups: list[_Files], ignored: list[Ignored],
                               shown) -> list[str]:
    """Each person of a Gradescope export belongs to their latest submission only: a
    submission keeps the submitters it is the latest of (the others move to ``group``),
    and one that is nobody's latest is dropped (its files listed as not graded). Returns a
    note for every person found in several submissions."""
    latest: dict[tuple, _Files] = {}
    seen: dict[tuple, list[_Files]] = {}
    who: dict[tuple, Submitter] = {}
    for files in groups:
        for person in files.owner.meta.get("submitters", []):
            key = _person_key(person)
            who.setdefault(key, person)
            seen.setdefault(key, []).append(files)
            if key not in latest or files.owner.rank > latest[key].owner.rank:
                latest[key] = files
    notes = []
    for key, found in seen.items():
        if len(found) > 1:
            person = who[key]
            label = " ".join(filter(None, [person.get("name"), person.get("sid") and
                                           f"({person['sid']})"])) or _person_id(person)
            names = ", ".join(sorted(f.owner.meta.get("submission", "") for f in found))
            notes.append(f"{label} is in {len(found)} submissions ({names}): graded on "
                         f"{latest[key].owner.meta.get('submission')}, the latest")
    for files in list(groups):
        people = files.owner.meta.get("submitters", [])
        owners = [p for p in people if latest[_person_key(p)] is files]
        if not people or len(owners) == len(people):
            continue
        if not owners:
            groups.remove(files)
            later = sorted({latest[_person_key(p)].owner.meta.get("submission", "")
                            for p in people})
            older = [path for _, path in files.graded] + files.other or [files.where]
            ignored += [Ignored(shown(path), "an older submission of "
                                f"{', '.join(_person_id(p) for p in people)}: graded on "
                                f"{', '.join(later)}") for path in older]
            continue
        meta = SubmissionMeta(**{**files.owner.meta, "submitters": owners, "group": people})
        files.owner = _Owner(files.owner.key, _person_id(owners[0]), meta, files.owner.rank)
    return notes


def _safe_id(raw: str) -> str:
    """A student id usable as a file name and a CSV cell: letters of any script (as NFC:
    a name from macOS reads as the same name), digits and ``._@+-``; the rest becomes
    ``_``."""
    text = unicodedata.normalize("NFC", str(raw))
    return re.sub(r"[^\w.@+-]+", "_", text).strip("._-+")[:80] or "student"


def _unique(student: str, taken: set[str]) -> str:
    candidate, n = student, 2
    while candidate.lower() in taken:
        candidate, n = f"{student}-{n}", n + 1
    taken.add(candidate.lower())
    return candidate
