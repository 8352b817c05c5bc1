"""Written answers in ``make grade``: found per question, one page each, a sheet to fill in,
filled scores merged into gradebook and feedback, bad sheets refused whole."""
import base64
import csv
import json

import nbformat
import pytest

import grading_notebooks as nbs
from autograder import otter_format
from autograder.grading import manual
from autograder.grading.outputs import written
from autograder.grading.grade_command import main
from autograder.grading.submissions import discover
from autograder.optimization import CASES

QUESTIONS = manual.questions("optimization")
Q2, Q4, Q6 = QUESTIONS
CODE = sum(c.points for c in CASES)
MAX = f"{CODE + Q2.points + Q4.points + Q6.points:g}"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


def cells(*blocks):
    return [c for block in blocks for c in block]


def submission(tmp_path, name, written_cells, answers=None):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.ipynb").write_bytes(
        nbs.notebook(answers or nbs.student_cells(), written=written_cells))
    return next(s for s in discover(folder) if s.student == name)


def test_master_questions_and_points_come_from_the_master_configs():
    assert [(q.name, q.points) for q in QUESTIONS] == \
        [("q2_written", 2), ("q4_written", 2), ("q6_written", 2)]
    assert Q6.prompt.startswith("**Question 6b (written).** Derive")
    mnist = manual.questions("mnist")
    assert [(q.name, q.points) for q in mnist] == [("q3_written", 2), ("q4_written", 2)]
    assert manual.questions("grading_fixture") == []  # no master: no written questions


@pytest.mark.slow
def test_released_student_notebook_blocks_are_found_unchanged(released):
    """The real format: what otter assign writes into the student notebook."""
    nb = nbformat.read(released / "student/optimization.ipynb", as_version=4)
    blocks = otter_format.student_manual_blocks(nb)
    assert len(blocks) == 3
    folder = released.parent / "written-check"
    folder.mkdir(exist_ok=True)
    nbformat.write(nb, folder / "s.ipynb")
    found = written.answers(discover(folder)[0], QUESTIONS)
    assert {q: a.status for q, a in found.items()} == dict.fromkeys(
        ("q2_written", "q4_written", "q6_written"), "unchanged")


def test_answers_match_prompts_then_positions(tmp_path):
    edited = nbs.written_block("my own copy of the prompt", "by position")
    reordered = submission(tmp_path, "a", cells(
        nbs.written_block(Q6.prompt, "six"), nbs.written_block(Q2.prompt, "two"), edited))
    found = written.answers(reordered, QUESTIONS)
    assert [found[q.name].cells[0]["source"] for q in QUESTIONS] == ["two", "by position", "six"]
    partial = submission(tmp_path, "b", cells(nbs.written_block(Q2.prompt, None),
                                             nbs.written_block(Q4.prompt, "  ")))
    assert {q: a.status for q, a in written.answers(partial, QUESTIONS).items()} == \
        {"q2_written": "unchanged", "q4_written": "unchanged", "q6_written": "missing"}
    (tmp_path / "in" / "c.ipynb").write_text("{")
    broken = next(s for s in discover(tmp_path / "in") if s.student == "c")
    assert {a.status for a in written.answers(broken, QUESTIONS).values()} == {"invalid"}


def test_markdown_is_rendered_safely_with_math():
    page = written.markdown_html(
        "**why** $\\frac{\\partial L}{\\partial z}$ $$\\hat y - y$$ <script>alert(1)</script> "
        "$\\text{<img src=x onerror=alert(1)>}$ [x](javascript:alert(1)) "
        "![pasted](attachment:a.png) ![gone](attachment:b.png)",
        {"a.png": {"image/png": PNG}})
    assert "<strong>why</strong>" in page and "<mfrac>" in page and 'display="block"' in page
    assert "<script" not in page and "<img src=x" not in page and "javascript:" not in page
    assert f"data:image/png;base64,{PNG}" in page and "[image attachment:b.png not in" in page
    # TeX the converter rejects stays readable as its source
    assert "<code class='tex'>$\\left(a$</code>" in written.markdown_html("$\\left(a$")


def sheet(path, rows):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_bad_sheet_lines_are_all_reported(tmp_path):
    students = ["alice", "bob"]
    bad = sheet(tmp_path / "bad.csv", [
        ["student", "q2_written", "q4_written", "q9_written", "q4_written"],
        ["alice", "2.5", "x", ""], ["zed", "1", "", ""], ["bob", "-1", "nan", ""],
        ["alice", "1", "", ""], ["", "", "", ""]])
    with pytest.raises(manual.ManualSheetError) as error:
        manual.read_scores(bad, students, QUESTIONS)
    message = str(error.value)
    for expected in ("line 1: unknown column 'q9_written'",
                     "line 1: column 'q4_written' appears twice", "line 2: q2_written = '2.5'",
                     "line 2: q4_written = 'x'", "line 3: unknown student 'zed'",
                     "line 4: q2_written = '-1'", "line 4: q4_written = 'nan'",
                     "line 5: 'alice' appears twice"):
        assert expected in message
    assert "8 bad line(s)" in message
    good = sheet(tmp_path / "good.csv", [["student", "q2_written", "q6_written"],
                                         ["alice", "1.5", ""], ["student 01", "2", "0"]])
    assert manual.read_scores(good, students, QUESTIONS, {"bob": "student 01"}) == \
        {"alice": {"q2_written": 1.5}, "bob": {"q2_written": 2.0, "q6_written": 0.0}}


def test_pseudonyms_are_kept_and_new_students_numbered_after(tmp_path):
    first = manual.pseudonyms(tmp_path, ["alice", "bob", "carol"])
    assert sorted(first.values()) == ["student 01", "student 02", "student 03"]
    again = manual.pseudonyms(tmp_path, ["alice", "bob", "carol", "aaron"])
    assert {s: again[s] for s in first} == first and again["aaron"] == "student 04"


def test_cli_pages_sheet_and_merge_end_to_end(tmp_path, capsys):
    """alice: solution and two answers; bob: unfilled, answers reordered; carol: broken."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(nbs.notebook(nbs.solution_cells(), written=cells(
        nbs.written_block(Q2.prompt, "Symmetry: $\\hat y - y$"), nbs.written_block(Q4.prompt, None))))
    (folder / "bob.ipynb").write_bytes(nbs.notebook(nbs.student_cells(), written=cells(
        nbs.written_block(Q6.prompt, "six"), nbs.written_block(Q2.prompt, "**two**"))))
    (folder / "carol.ipynb").write_text("{ broken")
    out = tmp_path / "graded"
    args = [str(folder), "--out", str(out), "--quiet", "--timeout", "30"]
    assert main(args) == 0
    rows = nbs.read_gradebook(out)
    assert (rows["alice"]["total"], rows["alice"]["max"], rows["alice"]["q2_written"]) == \
        (f"{CODE:g}", MAX, "")
    q2 = (out / "written" / "q2_written.html").read_text()
    assert q2.index("Question 2b") < q2.index("<h2>alice</h2>") < q2.index("<h2>bob</h2>") \
        < q2.index("<h2>carol</h2>")
    assert "<strong>two</strong>" in q2 and "<math" in q2 and "Content-Security-Policy" in q2
    assert "answer cell was left unchanged" in (out / "written" / "q4_written.html").read_text()
    assert "block is not in the notebook" in (out / "written" / "q6_written.html").read_text()
    template = (out / "manual.csv").read_text().split()
    assert template == ["student,q2_written,q4_written,q6_written", "alice,,,", "bob,,,",
                        "carol,,,"]

    before = (out / "gradebook.csv").read_bytes()
    bad = sheet(tmp_path / "bad.csv", [["student", "q2_written"], ["alice", "3"], ["x", "1"]])
    assert main(args + ["--manual", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 2: q2_written = '3'" in err and "line 3: unknown student 'x'" in err
    assert (out / "gradebook.csv").read_bytes() == before

    sheet(out / "manual.csv", [["student", "q2_written", "q4_written", "q6_written"],
                               ["alice", "2", "0.5", ""], ["bob", "1", "", "2"]])
    assert main(args + ["--manual", str(out / "manual.csv")]) == 0
    rows = nbs.read_gradebook(out)
    assert [rows["alice"][k] for k in ("q2_written", "q4_written", "q6_written", "total")] == \
        ["2", "0.5", "", f"{CODE + 2.5:g}"]
    assert (rows["bob"]["total"], rows["bob"]["max"]) == ("3", MAX)
    feedback = (out / "feedback" / "alice.md").read_text()
    assert f"**Score: {CODE + 2.5:g} / {MAX}**" in feedback and "## q4_written: 0.5 / 2" in feedback
    assert "## q6_written: not graded yet" in feedback
    assert "alice,2,0.5," in (out / "manual.csv").read_text()  # the filled sheet is kept
    assert "carol,,," in (out / "manual-template.csv").read_text()
    assert json.loads((out / "results" / "alice.json").read_text())["cases"][-1]["question"] \
        == "q8"  # TA scores live in the sheet, never in the stored results

    assert main(args + ["--anonymous"]) == 0
    q2 = (out / "written" / "q2_written.html").read_text()
    assert "alice" not in q2 and "bob" not in q2 and "<h2>student 01</h2>" in q2
