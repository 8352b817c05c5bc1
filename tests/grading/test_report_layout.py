"""report.html: the per-question chart keeps every label readable whatever the number and
length of question names; "Common mistakes" lists only the questions checks grade."""
import itertools

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder.grading.outputs import report
from autograder.grading.outputs.run import Run
from autograder.grading.results import Result


def _result(student, cases):
    return Result(student, f"{student}.ipynb", "0" * 64, "", cases=cases)


def _case(question, score, points=1.0, manual=False, diagnosis=()):
    case = {"id": f"{question}.c", "question": question, "name": "c", "points": points,
            "score": score, "passed": score >= points, "hidden": False, "message": "",
            "diagnosis": list(diagnosis)}
    return {**case, "manual": True} if manual else case


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("count, suffix", [(3, ""), (11, "_written"), (30, "_written"),
                                           (8, "_a_much_longer_question_name")])
def test_question_labels_never_overlap_and_stay_in_the_figure(count, suffix):
    points = {f"q{i}{suffix if i % 2 else ''}": 2.0 for i in range(1, count + 1)}
    graded = [_result("alice", [_case(q, 1.0, 2.0) for q in points])]
    figure = Figure(figsize=(6.4, report.question_bars_height(count)), layout="constrained")
    ax = figure.subplots()
    report.question_bars(ax, points, graded)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    assert [t.get_text() for t in labels] == list(points)
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert not any(_overlap(a, b) for a, b in itertools.combinations(boxes, 2))
    page = figure.bbox
    assert all(b.x0 >= page.x0 and b.y0 >= page.y0 and b.x1 <= page.x1 and b.y1 <= page.y1
               for b in boxes)


def test_common_mistakes_lists_the_questions_checks_grade_only(tmp_path):
    points = {"q1": 1.0, "q2": 1.0, "q2_written": 2.0, "q4_written": 2.0}
    mistake = {"name": "f.off_by_one", "explanation": "stops one short"}
    results = [_result("alice", [_case("q1", 0.0, diagnosis=[mistake]), _case("q2", 1.0),
                                 _case("q2_written", 1.5, 2.0, manual=True)]),
               _result("bob", [_case("q1", 1.0), _case("q2", 0.0)])]
    assert report.checked_questions(results, points) == ["q1", "q2"]
    page = report.write(tmp_path, Run(results, points)).read_text()
    mistakes = page[page.index("id=mistakes"):page.index("id=distribution")]
    assert "f.off_by_one" in mistakes and "<td>q2</td>" in mistakes
    assert "written" not in mistakes
