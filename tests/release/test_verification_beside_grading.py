"""``make release``'s verification (the zip's run_autograder, here as root on a machine
others use) changes no folder of the machine while it grades, and a ``make grade`` run
beside it gets its scores (issue 17: it used to make the machine's top-level folders
unlistable, and a grading run beside it failed)."""
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import downloads
import grading_notebooks as nbs
from autograder.grading.batch import grade_folder
from autograder.grading.runner import Limits
from autograder.optimization import CASES
from autograder.release import verify

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def watched() -> list[str]:
    """Every top-level folder, and every folder leading to this checkout, the Python
    installation and the temporary folder."""
    tops = [f"/{n}" for n in os.listdir("/") if os.path.isdir(f"/{n}")]
    chains = {str(Path(p).resolve().parents[i]) for p in
              (ROOT, sys.prefix, sys.base_prefix, tempfile.gettempdir())
              for i in range(len(Path(p).resolve().parts) - 1)}
    return sorted({*tops, *chains})


def modes(paths: list[str]) -> dict[str, int]:
    return {p: os.stat(p).st_mode for p in paths}


def test_verifying_a_release_changes_no_folder_and_leaves_a_grading_run_alone(released,
                                                                              tmp_path):
    zip_path = released / "autograder" / "optimization-autograder.zip"
    hidden = sorted({c.check.__module__ for c in CASES if c.hidden})
    site = verify.install_from_zip(zip_path, tmp_path / "grade" / "site", hidden)
    folder, out = tmp_path / "subs", tmp_path / "graded"
    expected = downloads.canvas_download(folder)
    paths = watched()
    before, seen, done = modes(paths), [], threading.Event()

    def watch():
        while not done.is_set():
            seen.append(modes(paths))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(2) as pool:
            verification = pool.submit(verify.gradescope_grade, zip_path,
                                       released / "solutions" / "optimization.ipynb", site)
            grading = pool.submit(grade_folder, folder, out, "tests.support.grading_fixture",
                                  Limits(timeout=60, memory_mb=1024), progress=False)
            scores, _, report = verification.result()
            summary = grading.result()
    finally:
        done.set()
        watcher.join()
    changed = {p: (oct(before[p]), oct(m[p])) for m in seen for p in paths if m[p] != before[p]}
    assert len(seen) > 10 and not changed, changed
    verify.require_full_marks(scores)
    assert summary.statuses["invalid"] == 1 == len(expected) + 1 - summary.statuses["graded"]
    assert not summary.interrupted
    rows = nbs.read_gradebook(out)
    assert rows["doejane_12345"]["q1"] == "1" and rows["nguyenthimai_45678"]["q1"] == "0"
