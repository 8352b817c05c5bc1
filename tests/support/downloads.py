"""Synthetic downloads shaped like those a TA grades: file and folder names as Canvas,
Gradescope and Moodle write them, with what a real download holds besides the
notebooks (a PDF handed in, a resubmission, a stray copy, macOS and Jupyter leftovers).

The notebooks answer tests/support/grading_fixture.py (q1: ``double``, 1 point; q2, a GPU
question, is not graded by a normal run): RIGHT earns q1, WRONG earns 0. Each builder
returns what grading the folder must give, per person.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import grading_notebooks as nbs

RIGHT = nbs.notebook(["def double(x):\n    return 2 * x", "def speed():\n    return 5"])
WRONG = nbs.notebook(["def double(x):\n    return x", "def speed():\n    return 0"])
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DAY = 86_400


def export_zip(notebook: bytes) -> bytes:
    """What ``grader.export()`` writes: the notebook and Otter's log (never read)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("optimization.ipynb", notebook)
        archive.writestr(".OTTER_LOG", b"\x80\x04 not read")
    return buffer.getvalue()


def _write(path: Path, data: bytes, age_days: float = 0.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stamp = 1_700_000_000 - age_days * DAY
    os.utime(path, (stamp, stamp))
    return path


def canvas_download(folder: Path) -> dict[str, str | None]:
    """A Canvas bulk download: Canvas user id -> the q1 score expected (None: an invalid
    row, empty in the uploads). Besides: a resubmission whose older file was touched last
    (the attachment id decides, not the time), a PDF only, names with apostrophes,
    hyphens and umlauts as Canvas writes them, a late submission, an export zip, the
    released notebook a TA dropped in (``optimization (1).ipynb``), macOS leftovers."""
    files = {
        "doejane_12345_67001_optimization.ipynb": (WRONG, 0),
        "doejane_12345_67240_optimization-1.ipynb": (RIGHT, 3),
        "smithjohn_LATE_23456_67002_optimization.pdf": (PDF, 2),
        "obrienmarykate_34567_67003_optimization.ipynb": (RIGHT, 2),
        "nguyenthimai_45678_67004_Optimization_final_v2.ipynb": (WRONG, 2),
        "müllerjörg_LATE_56789_67005_optimization.zip": (export_zip(RIGHT), 1),
        "optimization (1).ipynb": (nbs.notebook(nbs.student_cells()), 0),
        ".DS_Store": (b"\x00\x00\x00\x01Bud1", 0),
        "__MACOSX/._doejane_12345_67001_optimization.ipynb": (b"\x00\x05\x16\x07", 0),
    }
    for name, (data, age) in files.items():
        _write(folder / name, data, age)
    return {"12345": "1", "23456": None, "34567": "1", "45678": "0", "56789": "1"}


GRADESCOPE_METADATA = """\
submission_1001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2024-03-01 10:00:00.123456000 -0800
  :score: 0.0
  :status: processed
submission_1002:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  - :name: Alan Turing
    :sid: '1912'
    :email: alan@example.edu
  :created_at: 2024-03-02 09:30:00.000000000 -0800
  :score: 1.0
submission_1003:
  :submitters:
  - :name: Grace Hopper
    :sid: ''
    :email: grace@example.edu
  :created_at: 2024-03-01 23:59:59.999999000 -0800
submission_1004:
  :submitters:
  - :name: Edsger Dijkstra
    :sid:
    :email: edsger@example.edu
  :created_at: 2024-03-02 12:00:00.000000000 -0800
submission_1005:
  :submitters:
  - :name: Barbara Liskov
    :sid: '1939'
    :email: barbara@example.edu
  :created_at: 2024-03-02 13:00:00.000000000 -0800
"""


def gradescope_export(folder: Path) -> dict[str, str | None]:
    """An unzipped Gradescope "Export submissions" (``folder/assignment_987654_export/``):
    person (SID, else email) -> the q1 score expected in gradescope.csv (None: empty).
    Ada is in her own submission and, later, in a group with Alan; Grace's SID is empty
    text and Edsger's null (their email stands for it); Barbara handed in a PDF."""
    root = folder / "assignment_987654_export"
    _write(root / "submission_metadata.yml", GRADESCOPE_METADATA.encode())
    _write(root / "submission_1001" / "optimization.ipynb", WRONG)
    _write(root / "submission_1002" / "optimization.zip", export_zip(RIGHT))
    _write(root / "submission_1003" / "optimization.ipynb", RIGHT)
    _write(root / "submission_1004" / "optimization.ipynb", WRONG)
    _write(root / "submission_1004" / ".ipynb_checkpoints" / "optimization-checkpoint.ipynb",
           RIGHT)
    _write(root / "submission_1005" / "written.pdf", PDF)
    _write(root / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    _write(folder / "__MACOSX" / "assignment_987654_export" / "._submission_metadata.yml",
           b"\x00\x05\x16\x07")
    return {"1815": "1", "1912": "1", "grace@example.edu": "1", "edsger@example.edu": "0",
            "1939": None}


def zipped(folder: Path, archive: Path) -> Path:
    """``folder``'s content as one zip (what the LMS hands out)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder))
    return archive


def moodle_download(folder: Path, in_folders: bool) -> dict[str, str | None]:
    """Moodle's "Download all submissions", files in one folder or one folder per
    participant: Moodle participant id -> the q1 score expected."""
    entries = {"Jane Doe_4242_assignsubmission_file_": ("optimization.ipynb", RIGHT),
               "Jörg Müller_4243_assignsubmission_file_": ("optimization.ipynb", WRONG),
               "Mai Nguyen_4244_assignsubmission_file_": ("essay.pdf", PDF)}
    for prefix, (name, data) in entries.items():
        _write(folder / (f"{prefix}/{name}" if in_folders else f"{prefix}{name}"), data)
    return {"4242": "1", "4243": "0", "4244": None}
