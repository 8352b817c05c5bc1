"""``report.html`` for the course staff: one page, figures as PNG files beside it.

Sections, in the order a TA works through them:

    needs attention      submissions not graded normally (timeout, error, invalid, pending,
                         notebook errors), rows empty in or left out of the uploads, with
                         the reason and a link to their feedback; left ungraded by a failed
                         task (executors): a link to its log
    uploads              what to know before uploading canvas.csv and gradescope.csv
    files not graded     files of the submissions folder no row is made of, with the
                         reason, and the people found in several submissions
    every student        per-question scores, total, max, status, links to feedback and
                         results JSON; click a column header to sort (inline script, offline)
    common mistakes      per question, the diagnosed mistakes (``case["diagnosis"]``) with the
                         number of students each was diagnosed in
    leaderboard          when results carry a ``benchmark`` (Measurement): best first
                         (Measurement.rank_key), and accuracy against training time
                         (``benchmark.png``)
    score distribution   score histogram, mean % of points per question, status counts,
                         pass rate of every case, slowest submissions
    similar code         the most similar pairs of students per question (similarity.csv),
                         their code side by side

Everything that comes from a submission (ids, messages) is escaped.
"""
from __future__ import annotations

import html
import io
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from matplotlib.figure import Figure

from autograder.grading.outputs import exports, files
from autograder.grading.outputs.leaderboard import ranked
from autograder.grading.outputs.run import Run
from autograder.grading.outputs.similarity import FLOOR
from autograder.grading.results import STATUSES

SLOWEST = 10
SIMILAR_PAIRS = 20  # pairs shown side by side (similarity.csv has the rest)
LABELLED_POINTS = 30  # the benchmark scatter names its points up to this many students


class _Html(str):
    """Markup built here from escaped parts: inserted into the page as it is."""


def _text(value) -> str:
    if isinstance(value, _Html):
        return value
    return html.escape(value if isinstance(value, str) else f"{value:g}")


def _link(href: str, label: str) -> _Html:
    return _Html(f"<a href='{html.escape(href)}'>{html.escape(label)}</a>")


def _table(header, rows, sortable: bool = False, numeric=()) -> str:
    """An HTML table; ``numeric`` columns (indices) sort by number, empty cells first."""
    head = "".join(f"<th{' data-type=number' if i in numeric else ''}>{_text(h)}</th>"
                   for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(
        f"<td class=num>{_text(v)}</td>" if i in numeric else f"<td>{_text(v)}</td>"
        for i, v in enumerate(row)) + "</tr>" for row in rows)
    kind = " class=sortable" if sortable else ""
    return f"<table{kind}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(path: Path, draw, size=(6.4, 3.2)) -> str:
    figure = Figure(figsize=size, layout="constrained")
    draw(figure.subplots())
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=100)
    files.write_bytes(path, image.getvalue())
    return path.name


def _img(name: str, alt: str) -> str:
    return f"<img src='{html.escape(quote(name))}' alt='{html.escape(alt)}'>"


def _status(status: str) -> _Html:
    return _Html(f"<span class='status {html.escape(status)}'>{html.escape(status)}</span>")


def feedback_href(student: str) -> str:
    return f"feedback/{quote(student)}.html"


def results_href(student: str) -> str:
    return f"results/{quote(student)}.json"


# ----------------------------------------------------------------------------- sections
def needs_attention(results, points: dict[str, float] | None = None) -> list[tuple]:
    """(result, reason) of every submission not graded normally, in results order; with
    ``points``, also those empty in the uploads or left out of canvas.csv (exports.py)."""
    graded = exports.graded_questions(results, points) if points is not None else {}
    outside = {id(r) for r in exports.left_out(results)} if points is not None else set()
    out = []
    for r in results:
        reasons = [r.detail] if r.status != "graded" and r.detail else []
        if r.status != "graded" and not reasons:
            reasons = [r.status]
        if r.status == "graded" and exports.unfinished(r, graded):
            reasons.append(exports.unfinished(r, graded))
        if id(r) in outside:
            reasons.append("not in canvas.csv: its file name holds no Canvas user id")
        if r.notebook_errors:
            reasons.append("notebook errors: " + "; ".join(
                f"cell {e.get('cell')}: {e.get('error', '')}" for e in r.notebook_errors))
        if reasons:
            out.append((r, " | ".join(reasons)))
    return out


def common_mistakes(results, questions) -> dict[str, list[tuple[str, str, int]]]:
    """Per question: (mistake name, explanation, students diagnosed with it), most common
    first. A student counts once per mistake even when several cases diagnose it; general
    comparisons (what differs, when no known mistake fits) are no named mistake."""
    out: dict[str, list[tuple[str, str, int]]] = {}
    for question in questions:
        counts: Counter = Counter()
        explanations: dict[str, str] = {}
        for r in results:
            seen = {(d["name"], d.get("explanation", "")) for c in r.cases
                    if c.get("question") == question for d in c.get("diagnosis") or ()
                    if not d.get("general")}
            for name, explanation in seen:
                counts[name] += 1
                explanations.setdefault(name, explanation)
        out[question] = [(name, explanations[name], n)
                         for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return out


def status_counts(results) -> dict[str, int]:
    """Submissions per status: graded, timeout, error, invalid (zeros included), others."""
    return {s: sum(r.status == s for r in results)
            for s in dict.fromkeys([*STATUSES, *(r.status for r in results)])}


def _attention_section(results, points) -> str:
    rows = [[_link(feedback_href(r.student), r.student), _status(r.status),
             _Html(f"{_text(reason)} {_link(quote(r.staff_only['log']), 'task log')}")
             if r.staff_only.get("log") else reason]
            for r, reason in needs_attention(results, points)]
    if not rows:
        return "<h2 id=attention>Needs attention</h2><p>Every submission was graded normally.</p>"
    return (f"<h2 id=attention>Needs attention ({len(rows)})</h2>"
            + _table(["student", "status", "reason"], rows))


def _uploads_section(run: Run) -> str:
    notes = exports.notes(run)
    items = "".join(f"<li>{_text(note)}</li>" for note in notes)
    return ("<h2 id=uploads>Uploads</h2>"
            + (f"<ul>{items}</ul>" if notes else "<p>canvas.csv and gradescope.csv hold a "
               "score for every row, out of every question's points.</p>"))


def _files_section(survey) -> str:
    """Files of the submissions no row is made of, and people in several submissions."""
    several = "".join(f"<li>{_text(note)}</li>" for note in survey.several)
    rows = [[i.path, i.student, i.reason] for i in survey.ignored]
    return (f"<h2 id=files>Files not graded ({len(rows)})</h2>"
            + (f"<p>People in several submissions, graded on their latest:</p><ul>{several}"
               "</ul>" if several else "")
            + (_table(["file", "student", "why"], rows) if rows else
               "<p>Every file of the submissions is part of a graded submission.</p>"))


def _students_section(results, points) -> str:
    maximum = sum(points.values())
    rows = []
    for r in sorted(results, key=lambda r: r.student):
        scores = r.scores()
        rows.append([r.student, *(scores[q] if q in scores else "" for q in points),
                     r.total, maximum, _status(r.status),
                     _Html(f"{_link(feedback_href(r.student), 'feedback')} "
                           f"{_link(results_href(r.student), 'JSON')}")])
    numeric = range(1, len(points) + 3)
    return ("<h2 id=students>Every student</h2><p class=hint>Click a column header to sort.</p>"
            + _table(["student", *points, "total", "max", "status", "links"], rows,
                     sortable=True, numeric=numeric))


def checked_questions(results, points) -> list[str]:
    """The questions of ``points`` that checks grade: those with a case not marked manual
    in some result (written questions are graded by people: nothing to diagnose)."""
    checked = {c.get("question") for r in results for c in r.cases if not c.get("manual")}
    return [q for q in points if q in checked]


def _mistakes_section(results, points) -> str:
    rows = []
    for question, mistakes in common_mistakes(results, checked_questions(results, points)).items():
        rows += [[question, name, explanation, n] for name, explanation, n in mistakes] \
            or [[question, _Html("<span class=none>no diagnosed mistakes</span>"), "", ""]]
    return ("<h2 id=mistakes>Common mistakes</h2><p class=hint>Diagnosed from failed cases; "
            "students: how many were diagnosed with the mistake.</p>"
            + _table(["question", "mistake", "explanation", "students"], rows, numeric=(3,)))


def _leaderboard_section(out: Path, board) -> str:
    """The ranked table, and accuracy against seconds for the runs that have both."""
    timed = [r for r in board if r.benchmark.seconds is not None]

    def scatter(ax):
        seconds = [r.benchmark.seconds for r in timed]
        accuracy = [100 * r.benchmark.accuracy for r in timed]
        colors = ["tab:blue" if r.benchmark.counts else "tab:gray" for r in timed]
        ax.scatter(seconds, accuracy, color=colors)
        if len(timed) <= LABELLED_POINTS:
            for r, x, y in zip(timed, seconds, accuracy):
                ax.annotate(r.student, (x, y), xytext=(4, 4), textcoords="offset points",
                            fontsize=8)
        ax.set(xlabel="training time (s)", ylabel="test accuracy (%)",
               title="Accuracy against training time (gray: runs that do not count)")
        ax.margins(0.12)
        ax.grid(alpha=0.3)

    image = _figure(out / "benchmark.png", scatter)
    rows = [[i, r.student, f"{100 * r.benchmark.accuracy:.2f} %",
             "" if r.benchmark.seconds is None else r.benchmark.seconds, r.benchmark.device,
             r.benchmark.torch, r.benchmark.points, r.benchmark.error]
            for i, r in enumerate(board, 1)]
    return ("<h2 id=leaderboard>Benchmark leaderboard</h2>"
            + _table(["rank", "student", "accuracy", "seconds", "device", "torch", "points",
                      "why it does not count"], rows, numeric=(0, 3, 6))
            + f"<p>{_img(image, 'test accuracy against training time')}</p>")


def question_bars_height(questions: int) -> float:
    """Inches for ``question_bars``: one row of text per question, whatever their number."""
    return 1.2 + 0.3 * questions


def question_bars(ax, points, graded) -> None:
    """Mean % of points per question, one horizontal bar each, the first question on top
    (names of any length on their own row: they never overlap)."""
    means = [sum(r.scores().get(q, 0) for r in graded) / (len(graded) or 1) / points[q]
             for q in points]
    ax.barh(list(points), [100 * m for m in means], color="tab:green")
    ax.invert_yaxis()
    ax.set(xlabel="mean % of points", xlim=(0, 100), title="Points per question")


def _distribution_section(out: Path, results, points) -> str:
    maximum = sum(points.values())
    graded = [r for r in results if r.status != "invalid" and r.cases]
    totals = [r.total for r in results]

    def histogram(ax):
        ax.hist(totals, bins=min(20, max(int(maximum), 1)), range=(0, maximum or 1),
                color="tab:blue", edgecolor="white")
        ax.set(xlabel=f"total points (of {maximum:g})", ylabel="submissions",
               title="Total score")

    figures = [_figure(out / "score_histogram.png", histogram),
               _figure(out / "question_scores.png",
                       lambda ax: question_bars(ax, points, graded),
                       (6.4, question_bars_height(len(points))))]
    case_rows = []
    for case_id in dict.fromkeys(c["id"] for r in graded for c in r.cases):
        ran = [c for r in graded for c in r.cases if c["id"] == case_id]
        case_rows.append([case_id, "hidden" if ran[0]["hidden"] else "public",
                          f"{100 * sum(c['passed'] for c in ran) / len(ran):.0f} %"])
    slowest = sorted(results, key=lambda r: -r.seconds)[:SLOWEST]
    return "".join([
        "<h2 id=distribution>Score distribution</h2><div class=figures>",
        *(f"<p>{_img(name, name)}</p>" for name in figures), "</div>",
        _table(["status", "submissions"], [[s, n] for s, n in status_counts(results).items()],
               numeric=(1,)),
        "<h2 id=cases>Pass rate per case</h2>",
        _table(["case", "kind", "passed"], case_rows),
        f"<h2 id=slowest>Slowest {len(slowest)} submissions</h2>",
        _table(["student", "seconds", "status"],
               [[r.student, r.seconds, r.status] for r in slowest], numeric=(1,)),
    ])


def _similarity_section(pairs) -> str:
    """The SIMILAR_PAIRS most similar pairs (highest score first), code side by side."""
    head = ("<h2 id=similarity>Similar code</h2><p class=hint>Per question, the code each "
            "student wrote for it (starter code left out) against every other student's: "
            "code that differs only in names, layout, comments or the order of statements "
            f"scores 1; students with the same code are one line. Every student's most "
            f"similar from {FLOOR:g} up: similarity.csv.</p>")
    if not pairs:
        return head + "<p>No pair of students wrote similar code.</p>"
    shown = pairs[:SIMILAR_PAIRS]
    rows = [[_Html(f"<a href='#pair-{i}'>{i}</a>"), p.question, p.student_a, p.student_b,
             f"{p.score:.2f}"] for i, p in enumerate(shown, 1)]
    blocks = [f"<h3 id=pair-{i}>{i}. {_text(p.question)}: {_text(p.student_a)} and "
              f"{_text(p.student_b)}{_others(p.others)} ({p.score:.2f})</h3><div class=pair>"
              f"<pre>{_text(p.code_a)}</pre><pre>{_text(p.code_b)}</pre></div>"
              for i, p in enumerate(shown, 1)]
    return (head + _table(["#", "question", "student", "student", "score"], rows,
                          numeric=(4,)) + "".join(blocks))


def _others(others: tuple[str, ...]) -> str:
    """`` (the same as N others: ...)`` for a group's further members, escaped."""
    return f" (the same as {len(others)} others: {_text(', '.join(others))})" if others else ""


# ----------------------------------------------------------------------------- page
STYLE = """
body{font-family:system-ui,sans-serif;max-width:72em;margin:1em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
nav a{margin-right:1em} .hint,.none{color:#666;font-style:italic}
table{border-collapse:collapse;margin:.5em 0} td,th{padding:3px 10px;text-align:left}
th{background:#f0f2f5;border-bottom:1px solid #ccc} tr:nth-child(even) td{background:#fafafa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;user-select:none}
th[data-order=asc]::after{content:" \\25B2"} th[data-order=desc]::after{content:" \\25BC"}
.figures{display:flex;flex-wrap:wrap;gap:1em} .figures p{flex:1 1 26em;margin:0}
img{max-width:100%}
.chips span{display:inline-block;margin-right:.6em;padding:2px 10px;border-radius:1em;
background:#eef}
.status{padding:0 6px;border-radius:4px} .status.timeout,.status.error{background:#fde2c4}
.status.pending{background:#e2e6fd}
.status.invalid{background:#f8c9c9}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.pair pre{overflow:auto;background:#f6f8fa;padding:.5em;margin:0;font-size:85%}
"""

SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach((th, column) => {
  th.addEventListener('click', () => {
    const table = th.closest('table'), numeric = th.dataset.type === 'number';
    const ascending = th.dataset.order !== 'asc';
    table.querySelectorAll('th').forEach(h => delete h.dataset.order);
    th.dataset.order = ascending ? 'asc' : 'desc';
    const key = row => {
      const text = row.cells[column].textContent.trim();
      return numeric ? (text === '' ? -Infinity : parseFloat(text)) : text.toLowerCase();
    };
    const rows = [...table.tBodies[0].rows].sort((a, b) => {
      const x = key(a), y = key(b), order = (x > y) - (x < y);
      return ascending ? order : -order;
    });
    table.tBodies[0].append(...rows);
  });
});
"""


def write(out: Path, run: Run) -> Path:
    out, results, points = Path(out), run.results, run.points
    maximum = sum(points.values())
    totals = [r.total for r in results]
    mean = sum(totals) / len(totals) if totals else 0.0
    board = ranked(results)
    chips = "".join(f"<span class='status {html.escape(s)}'>{html.escape(s)}: {n}</span>"
                    for s, n in status_counts(results).items() if n)
    sections = [("attention", "Needs attention"), ("uploads", "Uploads"),
                *([("files", "Files not graded")] if run.survey is not None else []),
                ("students", "Every student"),
                ("mistakes", "Common mistakes"),
                *([("leaderboard", "Leaderboard")] if board else []),
                ("distribution", "Score distribution"),
                *([("similarity", "Similar code")] if run.similar is not None else [])]
    body = [
        "<h1>Grading report</h1>",
        f"<p>{len(results)} submissions; mean {mean:.2f} / {maximum:g}.</p>",
        f"<p class=chips>{chips}</p>",
        "<nav>" + "".join(f"<a href='#{a}'>{t}</a>" for a, t in sections) + "</nav>",
        _attention_section(results, points),
        _uploads_section(run),
        _files_section(run.survey) if run.survey is not None else "",
        _students_section(results, points),
        _mistakes_section(results, points),
        _leaderboard_section(out, board) if board else "",
        _distribution_section(out, results, points),
        _similarity_section(run.similar) if run.similar is not None else "",
    ]
    return files.write_text(out / "report.html",
                            "<!doctype html><meta charset='utf-8'><title>Grading report</title>"
                            f"<style>{STYLE}</style>\n" + "\n".join(body)
                            + f"\n<script>{SORT_SCRIPT}</script>\n")
