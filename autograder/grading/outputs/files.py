"""The one way output files are written: atomically (a temporary file in the same folder,
then ``os.replace``), so a reader never sees half a file and an interrupted run leaves the
previous version whole; and CSV cells that spreadsheets show as text, never evaluate.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


MODE = 0o666 & ~_umask()  # what open() would give a new file (mkstemp's is 0600)


def write_bytes(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (its folder is created when missing)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, MODE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text(target: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    return write_bytes(target, text.encode("utf-8"))


def write_csv(target: Path, rows: Iterable[Sequence[str]]) -> Path:
    """Write the rows to ``target`` atomically (cells as given: see ``cell``)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return write_text(target, buffer.getvalue())


def cell(value) -> str:
    """A CSV cell that spreadsheets show as text, never evaluate as a formula."""
    text = value if isinstance(value, str) else f"{value:g}"
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
