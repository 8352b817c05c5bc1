"""report.html (sections, escaping, links, leaderboard, a real browser) and the Canvas and
Gradescope exports."""
import csv
import html
import re
import subprocess
from pathlib import Path

import pytest

import grading_notebooks as nbs
from autograder.cases import questions
from autograder.grading import results
from autograder.grading.outputs import exports, feedback, leaderboard, report
from autograder.grading.batch import grade_folder
from autograder.grading.outputs.run import Run
from autograder.grading.results import Result
from autograder.grading.runner import Limits
from autograder.grading.submissions import discover
from autograder.optimization import CASES

POINTS = questions(CASES)
FULL = f"{sum(POINTS.values()):g}"
CHROMIUM = Path("/usr/bin/chromium")
EPS = {"name": "adam_step.wrong_eps_inside_sqrt",
       "explanation": "eps is inside the square root: Adam divides by sqrt(v_hat) + eps"}
BIAS = {"name": "adam_step.no_bias_correction",
        "explanation": "m and v are not divided by 1 - beta**t"}


def fabricated(student, status="graded", failed=(), diagnosis=None, **fields) -> Result:
    """A result over the optimization cases: every case passed except ``failed`` (case ids);
    failed cases carry ``diagnosis``."""
    cases = []
    for c in CASES:
        passed = status == "graded" and c.id not in failed
        case = {"id": c.id, "question": c.question, "name": c.name, "points": c.points,
                "score": c.points if passed else 0.0, "passed": passed, "hidden": c.hidden,
                "message": "" if passed else "wrong",
                "diagnosis": diagnosis if not passed and diagnosis else []}
        cases.append(case)
    return Result(student, f"{student}.ipynb", "0" * 64, "f", status, cases=cases, **fields)


def class_results() -> list[Result]:
    """A class of 14: normal, diagnosed, failed in every way, with benchmark entries."""
    adam = [c.id for c in CASES if c.question == "q5"][:3]
    out = [fabricated(f"student{i:02d}", failed=[CASES[i].id], seconds=1.0 + i,
                      benchmark={"accuracy": 0.97 + i / 1000, "seconds": 40.0 - i,
                                 "device": "NVIDIA H200", "torch": "2.13.0", "points": 2})
           for i in range(6)]
    out += [fabricated("carol", failed=adam, diagnosis=[EPS], seconds=3.2,
                       benchmark={"accuracy": 0.979, "seconds": 30.0, "device": "cuda",
                                  "torch": "2.13.0", "points": 1}),
            fabricated("dan", failed=adam, diagnosis=[EPS, BIAS], seconds=2.5),
            fabricated("ivan", failed=adam[1:], diagnosis=[EPS], seconds=2.2),
            fabricated("judy", failed=[c.id for c in CASES if c.question != "q7"], seconds=1.5),
            fabricated("eve", failed=adam[:1], diagnosis=[BIAS], seconds=2.0,
                       notebook_errors=[{"cell": 4, "error": "NameError: name 'np' is not defined"}]),
            fabricated("frank", "timeout", detail="the notebook ran out of time (120 s)",
                       seconds=120.0),
            fabricated("grace", "error", detail="<script>alert(1)</script> process died",
                       seconds=0.4),
            fabricated("heidi", "invalid", detail="not a Jupyter notebook (invalid JSON)")]
    return out


def write_out(out: Path, everything) -> Path:
    """An OUT folder as ``make grade`` leaves it, from results alone."""
    for result in everything:
        results.save(out, result)
    run = Run(everything, POINTS)
    feedback.write(out, run)
    return report.write(out, run)


def local_targets(page: str) -> list[str]:
    """Every src and href of the page that is not an anchor within it."""
    return [html.unescape(t) for t in re.findall(r"(?:src|href)='([^']*)'", page)
            if not t.startswith("#")]


def test_report_has_every_section_with_escaped_reasons_and_links_that_resolve(tmp_path):
    everything = class_results()
    page = write_out(tmp_path, everything).read_text()
    for anchor in ("attention", "students", "mistakes", "leaderboard", "distribution"):
        assert f"id={anchor}>" in page
    attention = page.split("id=attention>")[1].split("<h2")[0]
    for student in ("frank", "grace", "heidi", "eve"):
        assert f"feedback/{student}.html" in attention
    assert "student00" not in attention and "carol" not in attention
    assert "the notebook ran out of time" in attention and "NameError" in attention
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    students = page.split("id=students>")[1].split("<h2")[0]
    assert all(f"results/{r.student}.json" in students for r in everything)
    targets = local_targets(page)
    assert {"score_histogram.png", "question_scores.png", "benchmark.png"} <= set(targets)
    missing = [t for t in targets if not (tmp_path / t).is_file()]
    assert not missing and len(targets) >= 2 * len(everything) + 3


def test_common_mistakes_count_students_per_question():
    mistakes = report.common_mistakes(class_results(), POINTS)
    assert mistakes["q5"] == [(EPS["name"], EPS["explanation"], 3),
                              (BIAS["name"], BIAS["explanation"], 2)]
    assert all(mistakes[q] == [] for q in POINTS if q != "q5")


def test_questions_without_diagnoses_say_so(tmp_path):
    page = write_out(tmp_path, class_results()).read_text()
    mistakes = page.split("id=mistakes>")[1].split("<h2")[0]
    assert mistakes.count("no diagnosed mistakes") == len(POINTS) - 1
    assert EPS["explanation"] in mistakes


def test_leaderboard_ranks_by_accuracy_then_time_and_is_absent_without_benchmarks(tmp_path):
    tied = [fabricated("slow", benchmark={"accuracy": 0.98, "seconds": 50.0}),
            fabricated("fast", benchmark={"accuracy": 0.98, "seconds": 20.0}),
            fabricated("best", benchmark={"accuracy": 0.99, "seconds": 90.0}),
            fabricated("none")]
    assert [r.student for r in leaderboard.ranked(tied)] == ["best", "fast", "slow"]
    page = write_out(tmp_path, [fabricated("a"), fabricated("b")]).read_text()
    assert "id=leaderboard" not in page and "benchmark.png" not in page


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_canvas_download_gives_canvas_ids_in_canvas_csv(tmp_path):
    folder, out = tmp_path / "submissions", tmp_path / "graded"
    folder.mkdir()
    (folder / "doejane_LATE_12345_678_fixture.ipynb").write_bytes(
        nbs.notebook(["def double(x):\n    return 2 * x"]))
    (folder / "roeric_777_901_fixture.ipynb").write_bytes(
        nbs.notebook(["def double(x):\n    return x"]))
    grade_folder(folder, out, "tests.support.grading_fixture", Limits(timeout=30, memory_mb=1024),
                 progress=False)
    rows = read_csv(out / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "fixture"]
    # q2 (2 points, a GPU question) is graded by --gpu only: not counted until then
    assert rows[1] == ["    Points Possible", "", "", "", "", "1"]
    assert rows[2:] == [["doejane", "12345", "", "", "", "1"], ["roeric", "777", "", "", "", "0"]]
    assert read_csv(out / "gradescope.csv")[1:] == [["doejane", "", "", "1"], ["roeric", "", "", "0"]]
    assert "Points Possible is 1 of 3: no one has a score yet for q2" in \
        html.unescape((out / "report.html").read_text())


def test_gradescope_export_gives_one_row_per_submitter_and_no_formulas(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1815'\n"
        "    :email: ada@example.org\n  - :name: '=HYPERLINK(\"x\")'\n    :sid: '1816'\n"
        "    :email: b@example.org\n")
    (tmp_path / "submission_1").mkdir()
    (tmp_path / "submission_1" / "optimization.ipynb").write_bytes(nbs.notebook([]))
    [submission] = discover(tmp_path)
    result = fabricated(submission.student, meta=submission.meta)
    assert exports.gradescope_rows([result]) == [
        ["Name", "SID", "Email", "Score"], ["Ada Lovelace", "1815", "ada@example.org", FULL],
        ["'=HYPERLINK(\"x\")", "1816", "b@example.org", FULL]]
    assert exports.canvas_rows([result], POINTS, "Optimization (4242)")[2] == \
        ["Ada Lovelace", "", "1815", "", "", FULL]


# ----------------------------------------------------------------------------- browser
PROBE = """<script>
window.addEventListener('load', () => {
  const images = [...document.images];
  document.body.dataset.images = images.length;
  document.body.dataset.broken = images.filter(i => !i.complete || i.naturalWidth === 0)
    .map(i => i.getAttribute('src')).join(' ');
  const table = document.querySelector('table.sortable');
  const header = [...table.tHead.rows[0].cells].find(th => th.textContent === 'total');
  const order = () => [...table.tBodies[0].rows].map(r => r.cells[0].textContent).join(' ');
  header.click();
  document.body.dataset.ascending = order();
  header.click();
  document.body.dataset.descending = order();
});
</script>"""


def chromium(*args: str) -> str:
    done = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                           "--allow-file-access-from-files", "--virtual-time-budget=5000",
                           *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (Debian package chromium)")
def test_report_renders_in_chromium_images_load_and_table_sorts(tmp_path):
    everything = class_results()
    page = write_out(tmp_path, everything)
    probe = tmp_path / "probe.html"  # a copy of the page with the probe script appended
    probe.write_text(page.read_text() + PROBE)
    dom = chromium("--dump-dom", probe.as_uri())
    for anchor in ("attention", "students", "mistakes", "leaderboard", "distribution"):
        assert f'id="{anchor}"' in dom
    body = re.search(r"<body([^>]*)>", dom).group(1)
    data = {k: html.unescape(v) for k, v in re.findall(r'data-(\w+)="([^"]*)"', body)}
    assert data["images"] == "3" and data["broken"] == ""  # histogram, questions, benchmark
    total = {r.student: r.total for r in everything}
    ascending = [total[s] for s in data["ascending"].split()]
    descending = [total[s] for s in data["descending"].split()]
    assert len(ascending) == len(everything) and ascending == sorted(ascending)
    assert descending == sorted(ascending, reverse=True)
    assert {0, 8, float(FULL) - 1} <= set(ascending)  # a text sort would put 8 after 70
    screenshot = tmp_path / "report.png"  # as a TA sees it
    chromium(f"--screenshot={screenshot}", "--window-size=1280,2400", page.as_uri())
    assert screenshot.stat().st_size > 10_000
