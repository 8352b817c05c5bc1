"""Grade notebooks through the released autograder zip, the way Gradescope does."""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.release.build import ReleaseError, run


def otter_scores(zip_path: Path, notebook: Path, timeout: int = 600) -> dict[str, tuple]:
    """``otter run`` one notebook; return {question: (score, max_score)}."""
    with tempfile.TemporaryDirectory() as tmp:
        submission = Path(tmp) / notebook.name
        shutil.copy(notebook, submission)
        run([sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(zip_path),
             "-o", tmp, str(submission)], cwd=tmp, what=f"otter run on {notebook.name}",
            timeout=timeout)
        results = json.loads((Path(tmp) / "results.json").read_text())
    return {t["name"]: (t["score"], t["max_score"]) for t in results["tests"]
            if t.get("max_score") is not None}


def require_full_marks(scores: dict[str, tuple]) -> None:
    missing = {q: s for q, s in scores.items() if s[0] != s[1]}
    if not scores or missing:
        raise ReleaseError(f"the solution notebook does not get full marks: {missing or scores}")


def require_zero(scores: dict[str, tuple]) -> None:
    earned = {q: s for q, s in scores.items() if s[0] != 0}
    if earned:
        raise ReleaseError(f"the untouched student notebook earns points: {earned}")


def execute_student_notebook(student_dir: Path, name: str, timeout: int = 300) -> None:
    """Run every cell of the untouched student notebook (next to its support files)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "student"
        shutil.copytree(student_dir, work)
        nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(work)}})
        try:
            client.execute()
        except CellExecutionError as e:
            raise ReleaseError(f"the untouched student notebook crashes:\n{str(e)[-2000:]}")
