"""A course's first week, tried as a new TA would (issue 17): a Canvas download with a PDF,
a stray file and a resubmission; a Gradescope export with a group and an empty SID; an
interrupted run. Every student has exactly one row, canvas.csv uploads with every ID, and
no row that was not graded normally is a silent 0 (tests/support/downloads.py builds the
folders)."""
import csv
import html
from pathlib import Path

import downloads
import grading_notebooks as nbs
from autograder.grading.executors import local
from autograder.grading.batch import grade_folder
from autograder.grading.outputs import exports, report
from autograder.grading.outputs.run import Run
from autograder.grading.results import Result
from autograder.grading.runner import Limits

FIXTURE = "tests.support.grading_fixture"   # q1 (1 point); q2 is graded by --gpu only
LIMITS = Limits(timeout=30, memory_mb=1024)


def table(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def canvas_scores(out: Path) -> dict[str, str]:
    """canvas.csv as {ID: score}, after its Points Possible row."""
    rows = table(out / "canvas.csv")
    assert rows[0]["Student"] == "    Points Possible"
    return {r["ID"]: r["fixture"] for r in rows[1:]}


def page(out: Path) -> str:
    return html.unescape((out / "report.html").read_text())


def test_canvas_download_one_row_per_student_every_id_no_silent_zero(tmp_path):
    expected = downloads.canvas_download(tmp_path / "canvas")
    out = tmp_path / "graded"
    summary = grade_folder(tmp_path / "canvas", out, FIXTURE, LIMITS, progress=False)
    gradebook = nbs.read_gradebook(out)
    assert len(gradebook) == len(expected) + 1 == summary.total   # + the stray copy
    assert gradebook["smithjohn_23456"]["status"] == "invalid"
    assert canvas_scores(out) == {user: score or "" for user, score in expected.items()}
    assert table(out / "canvas.csv")[0]["fixture"] == "1"   # Points Possible: q1 only
    scores = {r["Name"]: r["Score"] for r in table(out / "gradescope.csv")}
    assert scores["smithjohn"] == "" and scores["doejane"] == "1"
    text = page(out)
    for shown in ("handed in smithjohn_LATE_23456_67002_optimization.pdf",
                  "not in canvas.csv: its file name holds no Canvas user id",
                  "an older file of doejane_12345", "macOS archive metadata",
                  "a Canvas download names students by name and Canvas user id only"):
        assert shown in text, shown
    assert any("not graded (report.html: Files not graded)" in w for w in summary.warnings)


def test_gradescope_export_zip_one_row_per_person_sid_else_email(tmp_path):
    expected = downloads.gradescope_export(tmp_path / "download")
    archive = downloads.zipped(tmp_path / "download", tmp_path / "assignment_987654_export.zip")
    out = tmp_path / "graded"
    summary = grade_folder(archive, out, FIXTURE, LIMITS, progress=False)
    rows = table(out / "gradescope.csv")
    assert {r["SID"] or r["Email"]: r["Score"] for r in rows} == \
        {person: score or "" for person, score in expected.items()}
    assert len(rows) == len(expected) and "None" not in (out / "gradescope.csv").read_text()
    canvas = {r["SIS User ID"] or r["Student"]: r["fixture"] for r in table(out / "canvas.csv")[1:]}
    assert canvas["1912"] == canvas["1815"] == "1"             # Alan, in Ada's group
    assert canvas["1939"] == ""                                # a PDF: invalid, empty
    assert any("Ada Lovelace (1815) is in 2 submissions" in w for w in summary.warnings)
    assert "graded on submission_1002, the latest" in page(out)


def test_an_interrupted_run_says_what_it_graded_and_uploads_no_pending_zero(tmp_path,
                                                                            monkeypatch):
    expected = downloads.canvas_download(tmp_path / "canvas")
    out = tmp_path / "graded"
    real_grade, calls = local.grade, []

    def interrupted_after(n):
        def grade(submission, job, server):
            calls.append(submission.student)
            if len(calls) > n:
                raise KeyboardInterrupt
            return real_grade(submission, job, server)
        return grade

    monkeypatch.setattr(local, "grade", interrupted_after(2))
    first = grade_folder(tmp_path / "canvas", out, FIXTURE, LIMITS, jobs=1, progress=False)
    assert first.interrupted and first.graded_now == 2 and "graded 2 in" in first.line()
    assert first.statuses["pending"] == first.total - 2
    gradebook = nbs.read_gradebook(out)
    pending = {s for s, row in gradebook.items() if row["status"] == "pending"}
    assert len(pending) == first.total - 2
    assert all(gradebook[s]["detail"].startswith("not graded yet (interrupted)") for s in pending)
    by_user = {r["ID"]: r for r in table(out / "canvas.csv")[1:]}
    users = {s.rsplit("_", 1)[-1] for s in pending} & set(by_user)
    assert users and all(by_user[u]["fixture"] == "" for u in users)
    assert "pending" in page(out) and "--zeros (ZEROS=1) writes their total" in page(out)

    calls.clear()
    monkeypatch.setattr(local, "grade", interrupted_after(0))
    second = grade_folder(tmp_path / "canvas", out, FIXTURE, LIMITS, jobs=1, progress=False,
                          zeros=True)
    assert second.interrupted and second.graded_now == 0 and second.reused == 2
    assert {canvas_scores(out)[u] for u in users} == {"0"}       # asked for zeros: zeros

    monkeypatch.setattr(local, "grade", real_grade)
    third = grade_folder(tmp_path / "canvas", out, FIXTURE, LIMITS, progress=False)
    assert not third.interrupted and third.statuses["pending"] == 0
    assert canvas_scores(out) == {user: score or "" for user, score in expected.items()}


def result(student: str, status: str = "graded", **scores: float) -> Result:
    cases = [{"id": f"{q}.case", "question": q, "name": "case", "points": 2.0,
              "score": score, "passed": score == 2.0, "hidden": False, "message": "",
              "diagnosis": [], **({"manual": True} if q.endswith("_written") else {})}
             for q, score in scores.items()]
    return Result(student, f"{student}.ipynb", "0" * 64, "f", status, cases=cases,
                  meta={"layout": "canvas", "canvas_user_id": str(len(student)),
                        "name": student})


def test_points_possible_counts_what_someone_has_a_score_for():
    points = {"q1": 2.0, "q2": 2.0, "q2_written": 2.0, "q4_written": 2.0}
    before = [result("ann", q1=2, q2=0), result("bo", q1=0, q2=2), result("cy", "timeout", q1=0)]
    rows = exports.canvas_rows(before, points, "hw")
    assert rows[1][-1] == "4" and [r[-1] for r in rows[2:]] == ["2", "2", ""]
    run = Run(before, points, "hw")
    assert exports.notes(run)[0] == ("canvas.csv's Points Possible is 4 of 8: no one has a "
                                     "score yet for q2_written, q4_written")
    # one written answer graded: counted; a row without its score is empty, and says why
    after = [result("ann", q1=2, q2=0, q2_written=1), *before[1:]]
    rows = exports.canvas_rows(after, points, "hw")
    assert rows[1][-1] == "6" and [r[-1] for r in rows[2:]] == ["3", "", ""]
    assert [r[-1] for r in exports.canvas_rows(after, points, "hw", zeros=True)[2:]] == \
        ["3", "2", "0"]
    reasons = dict((r.student, why) for r, why in report.needs_attention(after, points))
    assert reasons["bo"] == "not graded yet: q2_written: empty in the uploads"
    assert reasons["cy"] == "timeout"
