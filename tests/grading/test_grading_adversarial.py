"""Hostile submissions (tests/adversarial/) graded in one run next to an honest one.

Each must score exactly what its honest code earns (never more), get the status its
attack deserves, and leave the grader, the other submissions and the machine unharmed.
"""
import csv
import hashlib
import json
import pickle
import time
import zipfile
from pathlib import Path


import adversarial
import grading_notebooks as nbs
from autograder.grading.sandbox import isolation
from autograder.grading.grade_command import main
from autograder.grading.sandbox.process import TimeBudget
from autograder.grading.batch import fork_server
from autograder.grading.runner import Limits
from autograder.optimization import CASES

ROOT = Path(__file__).resolve().parents[2]
ATTACKS = adversarial.load()
TIMEOUT = 20  # seconds per submission; a case may use a quarter of it
HIDDEN_FILE = ROOT / "autograder/optimization/hidden/q5_optimizers.py"


def sealed() -> bool:
    """Whether student processes are confined on this machine (namespaces permitted)."""
    process = fork_server().spawn(isolation.make_plan([ROOT], Limits(), None))
    with process.charged_to(TimeBudget(60)):
        info = process.execute([], {})["isolation"]
    process.close()
    return info.get("filesystem") == "sealed" and info.get("pid") == "private"


def grade_everything(work: Path, *options: str) -> dict:
    """Grade every attack (and one honest submission) with the CLI, ``options`` added to
    its command line (e.g. another executor); return the run."""
    folder, out = work / "submissions", work / "graded"
    folder.mkdir()
    out.mkdir()
    is_sealed = sealed()
    attacks = [a for a in ATTACKS if is_sealed or not a.destructive]
    bases = {"student": nbs.student_cells(), "solution": nbs.solution_cells()}
    marker = work / "otter_log_was_unpickled"
    for attack in attacks:
        data = nbs.notebook(bases[attack.base], list(attack.cells))
        if attack.archive:
            with zipfile.ZipFile(folder / f"{attack.name}.zip", "w") as archive:
                archive.writestr("optimization.ipynb", data)
                archive.writestr(".OTTER_LOG", pickle.dumps(nbs.Marker(str(marker))))
        else:
            (folder / f"{attack.name}.ipynb").write_bytes(data)
    (folder / "honest.ipynb").write_bytes(nbs.notebook(nbs.solution_cells()))
    canaries = {folder / "canary.txt": b"submissions", out / "canary.txt": b"outputs"}
    for path, content in canaries.items():
        path.write_bytes(content)
    hidden_digest = hashlib.sha256(HIDDEN_FILE.read_bytes()).hexdigest()
    started = time.monotonic()
    code = main([str(folder), "--out", str(out), "--jobs", "2", "--timeout", str(TIMEOUT),
                 "--memory", "1024", "--quiet", *options])
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return {"code": code, "rows": rows, "out": out, "attacks": attacks, "marker": marker,
            "canaries": canaries, "hidden_digest": hidden_digest, "sealed": is_sealed,
            "seconds": time.monotonic() - started}


def test_corpus_is_large_and_documented():
    assert len(ATTACKS) >= 15
    for attack in ATTACKS:
        assert attack.doc and attack.base in ("student", "solution")
        assert attack.status in ("graded", "timeout", "error")


def test_hostile_submissions_earn_only_what_their_honest_code_earns(tmp_path):
    """One run for the whole corpus (a single test: xdist would repeat a shared fixture)."""
    graded = grade_everything(tmp_path)
    assert_breached_nothing(graded)
    hangs = sum(a.status == "timeout" for a in graded["attacks"])
    assert graded["seconds"] < 60 + hangs * TIMEOUT


def assert_breached_nothing(graded: dict) -> None:
    """Every attack scored what its honest code earns (never more) with the status it
    deserves; no pickle loaded, no file of the grader, the submissions or the outputs
    touched."""
    assert graded["code"] == 0
    rows = graded["rows"]
    assert set(rows) == {a.name for a in graded["attacks"]} | {"honest"}
    assert (rows["honest"]["total"], rows["honest"]["status"]) == (f"{sum(c.points for c in CASES):g}", "graded")
    wrong = []
    for attack in graded["attacks"]:
        row = rows[attack.name]
        total, expected = float(row["total"]), adversarial.expected_total(attack)
        cases = json.loads((graded["out"] / "results" / f"{attack.name}.json").read_text())["cases"]
        if total > expected or len(cases) != len(CASES) or graded["sealed"] and (
                total != expected or row["status"] != attack.status):
            wrong.append(f"{attack.name}: {total:g} ({row['status']}), expected {expected:g} "
                         f"({attack.status}): {row['detail']}")
    assert not wrong, "\n".join(wrong)
    assert not graded["marker"].exists(), "the .OTTER_LOG pickle was loaded"
    for path, content in graded["canaries"].items():
        assert path.read_bytes() == content
    assert hashlib.sha256(HIDDEN_FILE.read_bytes()).hexdigest() == graded["hidden_digest"]
    assert not list(graded["out"].rglob("planted_by_student.json"))
