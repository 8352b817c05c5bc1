"""Every file a TA downloads is accounted for, and each is read by its own name: Canvas,
Gradescope and Moodle downloads as those systems write them (tests/support/downloads.py),
and generated Canvas folders mixed with files named otherwise."""
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings, strategies as st

import downloads
from autograder.grading.submissions import CANVAS_NAME, survey


def accounted(found) -> set[str]:
    """Every path a survey names: the files submissions were read from, the ignored ones."""
    sources = {part for s in found.submissions for part in s.source.split(", ")}
    return sources | {i.path for i in found.ignored}


def top_level(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_canvas_download_one_row_per_user_on_the_latest_attachment(tmp_path):
    expected = downloads.canvas_download(tmp_path)
    found = survey(tmp_path)
    by_user = {s.meta.get("canvas_user_id"): s for s in found.submissions}
    assert set(by_user) == {*expected, None}
    assert by_user[None].student == "optimization_1"   # the stray copy: a row, no Canvas id
    # the resubmission wins by its attachment id although the older file was touched last
    assert by_user["12345"].source == "doejane_12345_67240_optimization-1.ipynb"
    assert by_user["12345"].student == "doejane_12345"
    assert by_user["56789"].student == "müllerjörg_56789" and not by_user["56789"].error
    assert by_user["23456"].error.startswith(
        "handed in smithjohn_LATE_23456_67002_optimization.pdf: not a notebook")
    ignored = {i.path: i.reason for i in found.ignored}
    assert ignored == {
        ".DS_Store": "macOS folder metadata", "__MACOSX": "macOS archive metadata",
        "doejane_12345_67001_optimization.ipynb":
            "an older file of doejane_12345 (graded: doejane_12345_67240_optimization-1.ipynb)"}
    assert accounted(found) == top_level(tmp_path)


def test_gradescope_export_zipped_unzipped_or_one_level_up_reads_the_same(tmp_path):
    expected = downloads.gradescope_export(tmp_path / "download")
    archive = downloads.zipped(tmp_path / "download", tmp_path / "assignment_987654_export.zip")
    views = {}
    unzipped = tmp_path / "download"
    for target in (archive, unzipped, unzipped / "assignment_987654_export"):
        found = survey(target)
        views[target.name] = sorted((s.student, Path(s.source).name, bool(s.error),
                                     str(s.meta)) for s in found.submissions)
        assert found.several == ["Ada Lovelace (1815) is in 2 submissions (submission_1001, "
                                 "submission_1002): graded on submission_1002, the latest"]
        reasons = sorted(i.reason for i in found.ignored)
        assert "an older submission of 1815: graded on submission_1002" in reasons
        assert "Jupyter's autosaved checkpoints" in reasons
    assert len({str(v) for v in views.values()}) == 1
    people = {p.get("sid") or p["email"]: p for s in found.submissions
              for p in s.meta["submitters"]}
    assert set(people) == set(expected)           # Alan is in Ada's group submission
    assert "None" not in str(views) and "sid" not in people["grace@example.edu"]


def test_moodle_downloads_flat_and_in_folders(tmp_path):
    for in_folders in (True, False):
        folder = tmp_path / str(in_folders)
        expected = downloads.moodle_download(folder, in_folders)
        found = survey(folder)
        by_id = {s.meta["moodle_id"]: s for s in found.submissions}
        assert set(by_id) == set(expected)
        assert by_id["4242"].student == "Jane_Doe_4242" and by_id["4242"].meta["name"] == "Jane Doe"
        assert by_id["4244"].error.startswith("handed in") and not by_id["4243"].error
        assert accounted(found) >= {s.source for s in found.submissions}


def test_a_folder_beside_the_submissions_is_a_student_and_out_inside_is_skipped(tmp_path):
    (tmp_path / "alice.ipynb").write_bytes(downloads.RIGHT)
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "work.ipynb").write_bytes(downloads.RIGHT)
    (tmp_path / "bob" / "notes.txt").write_text("mine")
    (tmp_path / "carol").mkdir()
    (tmp_path / "graded" / "results").mkdir(parents=True)
    (tmp_path / "graded" / "results" / "alice.json").write_text("{}")
    found = survey(tmp_path, exclude=tmp_path / "graded")
    rows = {s.student: s.error for s in found.submissions}
    assert rows == {"alice": "", "bob": "", "carol": "handed in no file"}
    assert {i.path: i.reason for i in found.ignored} == {
        "bob/notes.txt": "not a notebook; bob is graded on bob/work.ipynb",
        "graded": "the grader's output folder (OUT)"}


# ----------------------------------------------------------------------------- generated
NAME = st.text(alphabet=string.ascii_lowercase + "äöüéßøçñ" + string.digits, min_size=1,
               max_size=12)
ORIGINAL = st.text(alphabet=string.ascii_letters + string.digits + " -_()ö", min_size=1,
                   max_size=20).map(str.strip).filter(bool)
SUFFIX = st.sampled_from([".ipynb", ".ipynb", ".zip", ".pdf", ".py", ".txt"])
OTHER = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " -_()", min_size=1,
            max_size=25).map(str.strip).filter(bool),
    st.sampled_from([".DS_Store", "__MACOSX", "Thumbs.db", "._x.ipynb", ".hidden.ipynb",
                     "optimization (1)", "optimization (2)", "notes"]))


@st.composite
def canvas_files(draw):
    """(file name, user id, attachment id, suffix) of a Canvas download."""
    users = draw(st.lists(st.integers(1, 10**7), min_size=1, max_size=6, unique=True))
    attachments = iter(draw(st.lists(st.integers(1, 10**9), min_size=12, max_size=12,
                                     unique=True)))
    files = []
    for user in users:
        name = draw(NAME)
        for _ in range(draw(st.integers(1, 2))):
            late = "_LATE" if draw(st.booleans()) else ""
            again = f"-{draw(st.integers(1, 3))}" if draw(st.booleans()) else ""
            suffix = draw(SUFFIX)
            attachment = next(attachments)
            files.append((f"{name}{late}_{user}_{attachment}_{draw(ORIGINAL)}{again}{suffix}",
                          str(user), attachment, suffix))
    return files


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(canvas_files(), st.lists(st.tuples(OTHER, SUFFIX), max_size=5))
def test_canvas_names_are_read_per_file_whatever_else_the_folder_holds(canvas, others):
    """Each Canvas file belongs to its Canvas user, whatever other files are beside it;
    each user has one row, graded on their notebook or zip with the highest attachment
    id; every file is accounted for."""
    other_names = {f"{stem}{suffix}" if not stem.startswith((".", "__")) else stem
                   for stem, suffix in others}
    assume(not any(CANVAS_NAME.match(n) for n in other_names))
    assume(len({n.casefold() for n, *_ in canvas} | {n.casefold() for n in other_names})
           == len(canvas) + len(other_names))
    with tempfile.TemporaryDirectory() as alone, tempfile.TemporaryDirectory() as mixed:
        for name, *_, suffix in canvas:
            data = {".ipynb": downloads.RIGHT, ".zip": downloads.export_zip(downloads.RIGHT)}
            for folder in (alone, mixed):
                (Path(folder) / name).write_bytes(data.get(suffix, downloads.PDF))
        for name in other_names:
            path = Path(mixed) / name
            if name == "__MACOSX":
                path.mkdir()
            else:
                path.write_bytes(b"x")
        if not any(s in (".ipynb", ".zip") for *_, s in canvas):
            return
        found, found_alone = survey(mixed), survey(alone)
        users = {user for _, user, *_ in canvas}
        canvas_rows = [s for s in found.submissions if s.meta.get("canvas_user_id")]
        assert sorted((s.student, s.source) for s in canvas_rows) == \
            sorted((s.student, s.source) for s in found_alone.submissions)
        assert {s.meta["canvas_user_id"] for s in canvas_rows} == users
        assert len(canvas_rows) == len(users)
        for row in canvas_rows:
            graded = [(a, n) for n, u, a, s in canvas
                      if u == row.meta["canvas_user_id"] and s in (".ipynb", ".zip")]
            if graded:
                assert row.source == max(graded)[1] and not row.error
            else:
                assert row.error.startswith("handed in")
        assert accounted(found) == top_level(Path(mixed))
