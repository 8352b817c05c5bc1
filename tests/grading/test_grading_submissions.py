"""Finding submissions and student ids in the layouts TAs download; zips read as data."""
import json
import pickle
import zipfile
from pathlib import Path

import pytest

import grading_notebooks as nbs
from autograder.grading.submissions import InputError, discover, parse_notebook

NOTEBOOK = nbs.notebook(nbs.student_cells())


def export_zip(path: Path, notebook: bytes, extra: dict) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("optimization.ipynb", notebook)
        for name, data in extra.items():
            archive.writestr(name, data)


def test_plain_folder_zip_and_subfolders(tmp_path):
    (tmp_path / "alice.ipynb").write_bytes(NOTEBOOK)
    marker = tmp_path / "unpickled"
    export_zip(tmp_path / "bob.zip", NOTEBOOK, {".OTTER_LOG": pickle.dumps(nbs.Marker(str(marker))),
                                                "extra.py": b"import os"})
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "work.ipynb").write_bytes(NOTEBOOK)
    (tmp_path / "carol" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "carol" / ".ipynb_checkpoints" / "work-checkpoint.ipynb").write_bytes(b"{}")
    found = {s.student: s for s in discover(tmp_path)}
    assert set(found) == {"alice", "bob", "carol"}
    assert all(not s.error for s in found.values())
    assert found["alice"].sha256 == found["bob"].sha256 == found["carol"].sha256
    assert not marker.exists()
    sources = [c["source"] for c in found["alice"].cells]
    assert nbs.PLOT not in sources and found["alice"].skipped  # otter_ignore cells skipped
    assert any("def adam_step" in s for s in sources)


def test_gradescope_export(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_101:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1815'\n"
        "    :email: ada@example.edu\n  :score: 0.0\n"
        "submission_102:\n  :submitters:\n  - :name: Alan Turing\n    :email: alan@example.edu\n")
    for n in (101, 102, 103):
        (tmp_path / f"submission_{n}").mkdir()
        (tmp_path / f"submission_{n}" / "optimization.ipynb").write_bytes(NOTEBOOK)
    found = {s.student: s for s in discover(tmp_path)}
    assert set(found) == {"1815", "alan@example.edu", "submission_103"}
    assert found["1815"].meta["submitters"][0]["name"] == "Ada Lovelace"


def test_canvas_bulk_download(tmp_path):
    (tmp_path / "lovelaceada_1815_9001_optimization.ipynb").write_bytes(NOTEBOOK)
    (tmp_path / "turingalan_LATE_1912_9002_optimization-1.ipynb").write_bytes(NOTEBOOK)
    found = {s.student: s for s in discover(tmp_path)}
    assert set(found) == {"lovelaceada_1815", "turingalan_1912"}
    assert found["turingalan_1912"].meta["canvas_user_id"] == "1912"


@pytest.mark.parametrize("name, content, error", [
    ("text.ipynb", b"not json", "invalid JSON"),
    ("old.ipynb", json.dumps({"nbformat": 3, "worksheets": []}).encode(), "format 4"),
    ("broken.zip", b"PK\x03\x04garbage", "unreadable zip"),
])
def test_invalid_submissions_are_reported_not_raised(tmp_path, name, content, error):
    (tmp_path / name).write_bytes(content)
    (submission,) = discover(tmp_path)
    assert error in submission.error and not submission.cells


def test_zip_without_exactly_one_notebook(tmp_path):
    export_zip(tmp_path / "two.zip", NOTEBOOK, {"copy/second.ipynb": NOTEBOOK})
    with zipfile.ZipFile(tmp_path / "none.zip", "w") as archive:
        archive.writestr("readme.txt", "hi")
    errors = {s.student: s.error for s in discover(tmp_path)}
    assert "found 2" in errors["two"] and "found 0" in errors["none"]


def test_ids_are_safe_file_names_and_unique(tmp_path):
    (tmp_path / "=cmd|calc.ipynb").write_bytes(NOTEBOOK)
    (tmp_path / "a b").mkdir()
    (tmp_path / "a b" / "x.ipynb").write_bytes(NOTEBOOK)
    (tmp_path / "a_b.ipynb").write_bytes(NOTEBOOK)
    ids = [s.student for s in discover(tmp_path)]
    assert len(set(ids)) == 3 and all("/" not in i and not i.startswith("=") for i in ids)


def test_parse_notebook_joins_source_lists():
    cells, skipped = parse_notebook(json.dumps({"nbformat": 4, "cells": [
        {"cell_type": "code", "source": ["x = 1\n", "y = 2"], "metadata": {}},
        {"cell_type": "markdown", "source": "text"},
        {"cell_type": "code", "source": "plot()", "metadata": {"tags": ["otter_ignore"]}}]}).encode())
    assert cells == [{"number": 1, "source": "x = 1\ny = 2"}] and skipped == [3]


def test_bad_folder_is_a_clear_input_error(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        discover(tmp_path / "missing")
    with pytest.raises(InputError, match="no submissions"):
        discover(tmp_path)
