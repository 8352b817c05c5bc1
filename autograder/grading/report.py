"""``report.html`` for the course staff, with its figures as PNG files beside it:
score histogram, points per question, pass rate of every case, slowest submissions,
submissions that were not graded normally."""
from __future__ import annotations

import html
from pathlib import Path

from matplotlib.figure import Figure

SLOWEST = 10


def _figure(path: Path, draw, size=(6.4, 3.2)) -> str:
    figure = Figure(figsize=size, layout="constrained")
    draw(figure.subplots())
    figure.savefig(path, dpi=100)
    return path.name


def _table(header, rows) -> str:
    esc = lambda v: html.escape(v if isinstance(v, str) else f"{v:g}")  # noqa: E731
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write(out: Path, results, points: dict[str, float]) -> Path:
    out = Path(out)
    maximum = sum(points.values())
    graded = [r for r in results if r.status != "invalid" and r.cases]
    totals = [r.total for r in results]

    def histogram(ax):
        ax.hist(totals, bins=min(20, max(int(maximum), 1)), range=(0, maximum or 1))
        ax.set(xlabel=f"total points (of {maximum:g})", ylabel="submissions")

    def per_question(ax):
        means = [sum(r.scores().get(q, 0) for r in graded) / (len(graded) or 1) / points[q]
                 for q in points]
        ax.bar(list(points), [100 * m for m in means])
        ax.set(ylabel="mean % of points", ylim=(0, 100))

    figures = [_figure(out / "score_histogram.png", histogram),
               _figure(out / "question_scores.png", per_question)]
    case_rows = []
    for case_id in dict.fromkeys(c["id"] for r in graded for c in r.cases):
        ran = [c for r in graded for c in r.cases if c["id"] == case_id]
        case_rows.append([case_id, "hidden" if ran[0]["hidden"] else "public",
                          f"{100 * sum(c['passed'] for c in ran) / len(ran):.0f} %"])
    slowest = sorted(results, key=lambda r: -r.seconds)[:SLOWEST]
    problems = [r for r in results if r.status != "graded"]
    statuses = {s: sum(r.status == s for r in results) for s in dict.fromkeys(
        ["graded", "timeout", "error", "invalid", *(r.status for r in results)])}
    mean = sum(totals) / len(totals) if totals else 0.0
    body = [
        "<h1>Grading report</h1>",
        f"<p>{len(results)} submissions; mean {mean:.2f} / {maximum:g}.</p>",
        _table(["status", "submissions"], [[s, n] for s, n in statuses.items()]),
        *(f"<p><img src='{html.escape(name)}'></p>" for name in figures),
        "<h2>Pass rate per case</h2>", _table(["case", "kind", "passed"], case_rows),
        f"<h2>Slowest {len(slowest)} submissions</h2>",
        _table(["student", "seconds", "status"], [[r.student, r.seconds, r.status]
                                                  for r in slowest]),
        "<h2>Not graded normally</h2>",
        _table(["student", "status", "detail"], [[r.student, r.status, r.detail]
                                                 for r in problems]),
    ]
    target = out / "report.html"
    target.write_text("<!doctype html><meta charset='utf-8'><title>Grading report</title>"
                      "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
                      "td,th{padding:2px 8px;text-align:left}</style>"
                      + "\n".join(body) + "\n")
    return target
