"""One graded run of the hostile corpus (tests/adversarial/) beside an honest submission,
and what must hold after it (test_grading_adversarial.py; test_slurm.py runs it inside
Slurm tasks)."""
import csv
import hashlib
import json
import pickle
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
        for student in attack.students:
            if attack.archive:
                with zipfile.ZipFile(folder / f"{student}.zip", "w") as archive:
                    archive.writestr("optimization.ipynb", data)
                    archive.writestr(".OTTER_LOG", pickle.dumps(nbs.Marker(str(marker))))
            else:
                (folder / f"{student}.ipynb").write_bytes(data)
    (folder / "honest.ipynb").write_bytes(nbs.notebook(nbs.solution_cells()))
    canaries = {folder / "canary.txt": b"submissions", out / "canary.txt": b"outputs"}
    for path, content in canaries.items():
        path.write_bytes(content)
    hidden_digest = hashlib.sha256(HIDDEN_FILE.read_bytes()).hexdigest()
    code = main([str(folder), "--out", str(out), "--jobs", "2", "--timeout", str(TIMEOUT),
                 "--memory", "1024", "--quiet", *options])
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return {"code": code, "rows": rows, "out": out, "attacks": attacks, "marker": marker,
            "canaries": canaries, "hidden_digest": hidden_digest, "sealed": is_sealed}


def assert_breached_nothing(graded: dict, printed) -> None:
    """Every attack scored what its honest code earns (never more) with the status it
    deserves; no pickle loaded, no file of the grader, the submissions or the outputs
    touched; nothing printed holds a control character (``printed``: what the run wrote
    to the terminal)."""
    assert graded["code"] == 0
    rows = graded["rows"]
    # canary.txt in the submissions folder is a file handed in too: an invalid row
    students = {s for a in graded["attacks"] for s in a.students}
    assert set(rows) == students | {"honest", "canary"}
    assert rows["canary"]["status"] == "invalid"
    full = f"{sum(c.points for c in CASES):g}"
    assert (rows["honest"]["total"], rows["honest"]["status"]) == (full, "graded")
    wrong = []
    for attack in graded["attacks"]:
        for student in attack.students:
            row = rows[student]
            total, expected = float(row["total"]), adversarial.expected_total(attack)
            stored = graded["out"] / "results" / f"{student}.json"
            cases = json.loads(stored.read_text())["cases"]
            if total > expected or len(cases) != len(CASES) or graded["sealed"] and (
                    total != expected or row["status"] != attack.status):
                wrong.append(f"{student}: {total:g} ({row['status']}), expected {expected:g} "
                             f"({attack.status}): {row['detail']}")
    assert not wrong, "\n".join(wrong)
    controls = [c for c in printed.out + printed.err if ord(c) < 32 and c not in "\n\r"]
    assert not controls, "the run printed control characters to the TA's terminal"
    for feedback in (graded["out"] / "feedback").glob("*.md"):
        text = feedback.read_text()
        assert "exited with code" not in text and "killed by" not in text, feedback.name
    assert not graded["marker"].exists(), "the .OTTER_LOG pickle was loaded"
    for path, content in graded["canaries"].items():
        assert path.read_bytes() == content
    assert hashlib.sha256(HIDDEN_FILE.read_bytes()).hexdigest() == graded["hidden_digest"]
    assert not list(graded["out"].rglob("planted_by_student.json"))
