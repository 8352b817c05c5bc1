"""Submission limits on Gradescope: the release config's ``submission_limit``, Gradescope's
submission metadata (fabricated here in its documented format), and what the zip's
run_autograder does with them."""
import json
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from autograder import gradescope, submission_limit as sl
from autograder.release import build
from autograder.release.build import ReleaseError
from autograder.assignment import Assignment

TZ = timezone(timedelta(hours=-7))
NOW = datetime(2026, 3, 10, 14, 22, 32, 365935, tzinfo=TZ)
DAY = sl.Limit(2, timedelta(days=1), "1 day")
TOY = Path(__file__).resolve().parents[1] / "fixtures" / "toy_assignment"


def entry(hours_ago, score, graded=True, tests=None):
    """A previous_submissions entry as Gradescope writes it."""
    results = {"score": score, "output": f"Status: graded (score {score})",
               "tests": tests if tests is not None else [
                   {"name": "q1: a_check", "score": score, "max_score": 10.0,
                    "visibility": "visible", "output": "passed"}]}
    if not graded:
        results["extra_data"] = sl.not_graded_mark()
    return {"submission_time": (NOW - timedelta(hours=hours_ago)).isoformat(),
            "score": score, "results": results}


def metadata(tmp_path, previous, created=NOW):
    data = {"id": 123456, "created_at": created.isoformat(),
            "assignment": {"title": "optimization", "total_points": "71.0"},
            "users": [{"email": "student@example.com", "id": 1234, "name": "Student User"}],
            "previous_submissions": previous}
    path = tmp_path / sl.METADATA
    path.write_text(json.dumps(data))
    return path


# ----------------------------------------------------------------------------- the config
def test_the_limit_takes_the_keys_of_otters_rate_limiting():
    assert sl.Limit.from_config({"allowed_submissions": 3, "days": 1}) == \
        sl.Limit(3, timedelta(days=1), "1 day")
    limit = sl.Limit.from_config({"allowed_submissions": 1, "hours": 1, "minutes": 30})
    assert limit.window == timedelta(minutes=90) and limit.text == "1 hour 30 minutes"


def toy_master(tmp_path, config: dict) -> Assignment:
    """The toy assignment with ``config`` added to its ASSIGNMENT CONFIG."""
    nb = nbformat.read(TOY / "toy.ipynb", as_version=4)
    header, body = nb.cells[0].source.split("\n", 1)
    nb.cells[0].source = header + "\n" + yaml.safe_dump({**yaml.safe_load(body), **config})
    nbformat.write(nb, tmp_path / "toy.ipynb")
    return Assignment.from_project("toy", "toygrader.cases", TOY, master=tmp_path / "toy.ipynb",
                                   public=TOY / "toygrader" / "public.py",
                                   solutions=TOY / "toysolutions")


@pytest.mark.parametrize("settings, why", [
    ({"days": 1}, "allowed_submissions"),
    ({"allowed_submissions": 0, "days": 1}, "allowed_submissions"),
    ({"allowed_submissions": 2.5, "days": 1}, "allowed_submissions"),
    ({"allowed_submissions": True, "days": 1}, "allowed_submissions"),
    ({"allowed_submissions": "3", "days": 1}, "allowed_submissions"),
    ({"allowed_submissions": 3}, "empty"),
    ({"allowed_submissions": 3, "days": -1}, ">= 0"),
    ({"allowed_submissions": 3, "days": "1"}, ">= 0"),
    ({"allowed_submissions": 3, "day": 1}, "unknown key"),
    (3, "expected allowed_submissions"),
    ([{"allowed_submissions": 3, "days": 1}], "expected allowed_submissions"),
])
def test_a_malformed_limit_is_refused_by_the_release_with_the_reason(settings, why, tmp_path):
    with pytest.raises(sl.LimitError, match=why):
        sl.Limit.from_config(settings)
    toy = toy_master(tmp_path, {sl.CONFIG_KEY: settings})
    (tmp_path / "stage").mkdir()
    with pytest.raises(ReleaseError, match=f"ASSIGNMENT CONFIG: {sl.CONFIG_KEY}: .*{why}"):
        build.stage(toy, tmp_path / "stage", toy.public)


def test_the_release_moves_the_limit_from_otters_config_into_the_zips_files(tmp_path):
    settings = {"allowed_submissions": 3, "hours": 12}
    toy = toy_master(tmp_path, {sl.CONFIG_KEY: settings})
    (tmp_path / "stage").mkdir()
    notebook = build.stage(toy, tmp_path / "stage", toy.public)
    config = yaml.safe_load(nbformat.read(notebook, as_version=4).cells[0].source.split(
        "\n", 1)[1])
    assert sl.CONFIG_KEY not in config and sl.SHIPPED in config["autograder_files"]
    assert json.loads((tmp_path / "stage" / sl.SHIPPED).read_text()) == settings


@pytest.mark.slow
def test_the_released_zip_carries_the_limit_where_run_autograder_reads_it(tmp_path):
    toy = toy_master(tmp_path, {sl.CONFIG_KEY: {"allowed_submissions": 3, "hours": 12}})
    wheel = build.build_wheel(TOY, tmp_path / "wheels", (toy.solutions_package,))
    paths = build.build(toy, tmp_path / "dist", wheel)
    with zipfile.ZipFile(paths["zip"]) as archive:
        archive.extractall(tmp_path / "source")
        assert sl.CONFIG_KEY not in archive.read("otter_config.json").decode()
    assert sl.configured(tmp_path / "source") == sl.Limit(3, timedelta(hours=12), "12 hours")
    with pytest.raises(ReleaseError, match="sealed grader only"):
        build.build(toy, tmp_path / "otter", wheel, engine="otter")


# ----------------------------------------------------------------------------- decisions
def test_no_limit_grades_without_a_word(tmp_path):
    assert sl.decide(None, metadata(tmp_path, [entry(1, 5.0)] * 9)) == sl.Decision(True)


def test_under_the_limit_grades_and_says_which_submission_this_is(tmp_path):
    decision = sl.decide(DAY, metadata(tmp_path, [entry(30, 2.0), entry(3, 5.0)]))
    assert decision.grade and decision.results is None and not decision.staff
    assert "graded submission 2 of 2 in the last 1 day" in decision.student


def test_at_the_limit_nothing_is_graded_and_the_best_score_stays(tmp_path):
    best = [{"name": "q1: a_check", "score": 8.0, "max_score": 10.0, "visibility": "visible",
             "output": "passed"}]
    previous = [entry(50, 9.5), entry(20, 8.0, tests=best), entry(2, 3.0)]
    decision = sl.decide(DAY, metadata(tmp_path, previous))
    assert not decision.grade
    opens = NOW - timedelta(hours=20) + timedelta(days=1)  # when the older of the two expires
    assert f"from {opens:%Y-%m-%d %H:%M} (UTC-07:00), in 4 h" in decision.student
    results = decision.results
    assert results["score"] == 9.5  # the best graded, also outside the window
    assert results["output"].startswith(decision.student)
    assert "Your best score so far, 9.5" in results["output"]
    assert results["extra_data"][sl.MARK]["graded"] is False
    assert datetime.fromisoformat(results["extra_data"][sl.MARK]["next_graded"]) == opens
    # and such a refused submission never counts afterwards
    again = [*previous, {**entry(1, 9.5), "results": results}]
    assert not sl.decide(DAY, metadata(tmp_path, again)).grade
    later = NOW + timedelta(hours=5)
    assert sl.decide(DAY, metadata(tmp_path, again, created=later)).grade


def test_once_the_window_has_passed_grading_resumes(tmp_path):
    assert sl.decide(DAY, metadata(tmp_path, [entry(25, 1.0), entry(24, 1.0),
                                              entry(23.9, 1.0)])).grade
    assert not sl.decide(DAY, metadata(tmp_path, [entry(23.9, 1.0), entry(1, 1.0)])).grade


def test_refused_and_later_submissions_do_not_count(tmp_path):
    refused = [entry(3, 0.0, graded=False), entry(2, 0.0, graded=False)]
    assert sl.decide(DAY, metadata(tmp_path, [entry(5, 4.0), *refused])).grade
    regraded = [entry(5, 4.0), entry(-1, 4.0), entry(-2, 4.0)]  # a regrade: later ones listed
    assert sl.decide(DAY, metadata(tmp_path, regraded)).grade


@pytest.mark.parametrize("content, why", [
    (None, "missing"),
    ("{not json", "not JSON"),
    ("[]", "not a JSON object"),
    (json.dumps({"previous_submissions": []}), "created_at"),
    (json.dumps({"created_at": "yesterday", "previous_submissions": []}), "ISO 8601"),
    (json.dumps({"created_at": NOW.isoformat(), "previous_submissions": {}}), "not a list"),
    (json.dumps({"created_at": NOW.isoformat(), "previous_submissions": [3]}), "not an object"),
    (json.dumps({"created_at": NOW.isoformat(),
                 "previous_submissions": [{"submission_time": 5}]}), "not a time"),
])
def test_malformed_metadata_grades_normally_and_tells_the_staff(tmp_path, content, why):
    path = tmp_path / sl.METADATA
    if content is not None:
        path.write_text(content)
    decision = sl.decide(DAY, path)
    assert decision.grade and not decision.student and decision.results is None
    assert decision.staff.startswith("submission limit not applied (graded normally)")
    assert why in decision.staff


history = st.lists(st.tuples(st.floats(0, 24 * 10), st.booleans(), st.floats(0, 10)),
                   max_size=12)


@settings(max_examples=300, deadline=None)
@given(history=history, allowed=st.integers(1, 4), hours=st.floats(0.5, 72))
def test_refused_exactly_when_the_window_is_full_and_the_next_time_is_exact(
        tmp_path_factory, history, allowed, hours):
    limit = sl.Limit(allowed, timedelta(hours=hours), f"{hours} hours")
    previous = [entry(ago, score, graded) for ago, graded, score in history]
    folder = tmp_path_factory.mktemp("m")
    decision = sl.decide(limit, metadata(folder, previous))
    times = [NOW - timedelta(hours=ago) for ago, graded, _ in history if graded]

    def used(at):
        return sum(at - t < limit.window for t in times if t <= NOW)
    assert decision.grade == (used(NOW) < allowed)
    if not decision.grade:
        opens = datetime.fromisoformat(decision.results["extra_data"][sl.MARK]["next_graded"])
        assert used(opens) < allowed <= used(opens - timedelta(microseconds=1))
        assert decision.results["score"] == max(s for _, g, s in history if g)


# ----------------------------------------------------------------------------- run_autograder
def gradescope_root(tmp_path, previous, settings=None):
    """An /autograder folder: the zip's limit (2 per day unless ``settings``), metadata."""
    (tmp_path / "source" / "files").mkdir(parents=True)
    (tmp_path / "source" / "files" / sl.SHIPPED).write_text(json.dumps(
        settings or {"allowed_submissions": 2, "days": 1}))
    metadata(tmp_path, previous)
    return tmp_path


def test_a_bad_limit_in_the_zip_grades_normally_and_tells_the_staff(tmp_path):
    root = gradescope_root(tmp_path, [entry(1, 1.0)] * 5, {"allowed_submissions": -1})
    decision = sl.check(root)
    assert decision.grade and "not applied" in decision.staff
    assert sl.check(tmp_path / "nothing") == sl.Decision(True)  # no limit shipped


def test_run_autograder_over_the_limit_writes_the_best_result_without_grading(
        tmp_path, monkeypatch, capsys):
    root = gradescope_root(tmp_path, [entry(20, 6.0), entry(2, 3.0)])
    monkeypatch.setenv(gradescope.ROOT_ENV, str(root))
    monkeypatch.setattr(gradescope, "grade_submission", pytest.fail)  # never graded
    assert gradescope.main(["optimization"]) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 6.0 and results["output"].startswith("Not graded: the limit")
    assert "over the submission limit" in capsys.readouterr().out


@pytest.mark.parametrize("previous, staff", [([entry(2, 3.0)], ""),
                                             ("not a list", "not applied")])
def test_run_autograder_under_the_limit_grades_with_the_message_on_top(
        tmp_path, monkeypatch, capsys, previous, staff):
    root = gradescope_root(tmp_path, previous)
    monkeypatch.setenv(gradescope.ROOT_ENV, str(root))
    calls = []

    def graded(assignment, root_, preface=""):
        calls.append(preface)
        return {"score": 1.0, "tests": [{"max_score": 1.0}]}
    monkeypatch.setattr(gradescope, "grade_submission", graded)
    assert gradescope.main(["optimization"]) == 0
    out = capsys.readouterr().out
    if staff:
        assert calls == [""] and "submission limit not applied" in out
    else:
        assert calls == ["Submission limit: 2 graded submissions per 1 day; this is graded "
                         "submission 2 of 2 in the last 1 day."]
        assert "not applied" not in out


def test_an_unreadable_upload_is_not_graded_and_never_counts(tmp_path, monkeypatch):
    root = gradescope_root(tmp_path, [])
    (root / "submission").mkdir()
    (root / "submission" / "notes.txt").write_text("no notebook here")
    monkeypatch.setenv(gradescope.ROOT_ENV, str(root))
    assert gradescope.main(["optimization"]) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["output"].startswith("Not graded") and results["score"] == 0
    refused = [{**entry(1, 0.0), "results": results}] * 5
    assert sl.decide(DAY, metadata(tmp_path, refused)).grade
