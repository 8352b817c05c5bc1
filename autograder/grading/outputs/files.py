"""The one way output files are written: atomically (a temporary file in the same folder,
then ``os.replace``), so a reader never sees half a file and an interrupted run leaves the
previous version whole; text made safe first (``safe_text``: what UTF-8 cannot encode,
such as a lone surrogate from a student's message, is replaced, never raised); and CSV
cells that spreadsheets show as text, never evaluate. ``printable`` is the same for the
TA's terminal: every line the grader prints goes through it.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal shows
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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


def safe_text(text: str) -> str:
    """``text`` with what UTF-8 cannot encode (lone surrogates: from a student's message, a
    file name that is not UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def printable(text: str) -> str:
    """``text`` as one line that is safe to print to a terminal: control characters
    (escape sequences, carriage returns, newlines), bidirectional overrides and lone
    surrogates escaped as ``\\xNN`` / ``\\uNNNN``."""
    return _CONTROL.sub(_escaped, _SURROGATE.sub(_escaped, str(text)))


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def write_text(target: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, made safe by ``safe_text``) to ``target`` atomically."""
    return write_bytes(target, safe_text(text).encode("utf-8"))


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
