"""`make release` end to end on a one-question toy assignment (tests/fixtures/toy_assignment),
and proof that each of its verifications can fail."""
import fcntl
import json
import shutil
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.release import build, leaks, resources, verify
from autograder.release.__main__ import release
from autograder.release.build import ReleaseError
from autograder.assignment import Assignment, load_assignment

FIXTURE = Path(__file__).parents[1] / "fixtures" / "toy_assignment"
TOY = Assignment.from_project("toy", "toygrader.cases", FIXTURE, master=FIXTURE / "toy.ipynb",
                               public=FIXTURE / "toygrader" / "public.py",
                               solutions=FIXTURE / "toysolutions")
WHEEL = "advopt_toy-0.1.0-py3-none-any.whl"


@pytest.fixture(scope="session")
def toy_release(tmp_path_factory, worker_id):
    """(dist/toy, summary figures) of the toy release, built once per test run and
    shared by the xdist workers."""
    base = tmp_path_factory.getbasetemp()
    shared = (base if worker_id == "master" else base.parent) / "toy-release"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "figures.json").exists():
            wheel = build.build_wheel(TOY.project, shared / "wheels", (TOY.solutions_package,))
            figures = release(TOY, shared / "toy", wheel)
            (shared / "figures.json").write_text(json.dumps(figures))
    return shared / "toy", json.loads((shared / "figures.json").read_text())


def _student_copy(dest: Path, tmp_path: Path) -> Path:
    student = tmp_path / "student"
    shutil.copytree(dest / "student", student)
    return student


@pytest.mark.slow
def test_release_writes_every_file_and_passes_its_checks(toy_release):
    dest, figures = toy_release
    for path in ("student/toy.ipynb", "student/toy_public.py", "student/otter_messages.py",
                 "student/requirements.txt", "autograder/toy-autograder.zip",
                 "solutions/toy.ipynb", "solutions/toy.html", "leak-report.json",
                 "resources.json"):
        assert (dest / path).is_file(), path
    assert figures["points"] == 3 and figures["leaks"] == 0


@pytest.mark.slow
def test_zip_is_normalised_and_installs_the_grading_wheel(toy_release):
    dest, _ = toy_release
    with zipfile.ZipFile(dest / "autograder/toy-autograder.zip") as zf:
        infos = zf.infolist()
        environment = yaml.safe_load(zf.read("environment.yml"))
        wheel = zf.read(f"files/wheels/{WHEEL}")
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {build.FIXED_ZIP_TIME}
    assert "files/toy_public.py" in {i.filename for i in infos}
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert f"{build.GRADESCOPE_FILES}/wheels/{WHEEL}" in pip
    assert wheel == (dest.parent / "wheels" / WHEEL).read_bytes()


@pytest.mark.slow
def test_solution_full_marks_within_limits_recorded(toy_release):
    usage = json.loads((toy_release[0] / "resources.json").read_text())
    assert usage["exit_code"] == 0
    assert "Total Score: 3.000 / 3.000" in usage["output_tail"]
    assert (usage["peak_cgroup_bytes"] or usage["peak_rss_bytes"]) < \
        verify.PEAK_MARGIN * resources.MEMORY_LIMIT


@pytest.mark.slow
def test_leak_report_lists_what_was_checked(toy_release):
    report = json.loads((toy_release[0] / "leak-report.json").read_text())
    assert report["leaks"] == []
    assert report["hidden_names_checked"] == ["matches_reference_direction", "toygrader.hidden"]
    assert report["solution_lines_checked"] == 2 and report["hidden_source_lines_checked"] >= 2
    assert sorted(report["files_scanned"]) == ["otter_messages.py", "requirements.txt",
                                               "toy.ipynb", "toy_public.py"]


def _plant_cell(student: Path, source: str) -> None:
    nb = nbformat.read(student / "toy.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(nb, student / "toy.ipynb")


def _plant_output(student: Path, text: str) -> None:
    nb = nbformat.read(student / "toy.ipynb", as_version=4)
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nbformat.write(nb, student / "toy.ipynb")


def _plant_hidden_case(student: Path, _: str) -> None:
    nb = nbformat.read(student / "toy.ipynb", as_version=4)
    nb.metadata["otter"]["tests"]["q1"]["suites"][0]["cases"].append(
        {"code": ">>> 1", "hidden": True, "locked": False, "points": 2})
    nbformat.write(nb, student / "toy.ipynb")


def _plant_file(student: Path, text: str) -> None:
    (student / "notes.py").write_text(text + "\n")


@pytest.mark.slow
@pytest.mark.parametrize("plant, text, kind", [
    (_plant_cell, "from toygrader.hidden import matches_reference_direction", "hidden test name"),
    (_plant_cell, "    return v / np.sqrt(np.sum(v * v))", "solution line"),
    (_plant_output, "secret_vector = np.random.default_rng(7).normal(size=5) * 40.0",
     "hidden test source"),
    (_plant_hidden_case, "", "hidden test case in metadata"),
    (_plant_file, "v = np.asarray(v, dtype=float)", "solution line"),
])
def test_leak_check_fails_on_a_planted_leak(toy_release, tmp_path, plant, text, kind):
    student = _student_copy(toy_release[0], tmp_path)
    plant(student, text)
    report = leaks.scan(TOY, student)
    assert kind in {leak["kind"] for leak in report["leaks"]}
    with pytest.raises(ReleaseError, match="leak"):
        leaks.require_clean(report, tmp_path / "leak-report.json")


@pytest.mark.slow
def test_determinism_check_fails_when_a_file_differs(toy_release, tmp_path):
    dest = tmp_path / "toy"
    shutil.copytree(toy_release[0], dest)
    with open(dest / "student" / "toy_public.py", "a") as f:
        f.write("# changed after the build\n")
    with pytest.raises(ReleaseError, match="student/toy_public.py"):
        verify.require_deterministic(TOY, dest, tmp_path / "again")


@pytest.mark.slow
def test_wheel_holds_the_current_sources_only(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("__pycache__"))
    stale = project / "build" / "lib" / "toygrader" / "removed_module.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("SECRET = 1\n")
    wheel = build.build_wheel(project, tmp_path / "wheels", ("toysolutions",))
    names = zipfile.ZipFile(wheel).namelist()
    assert "toygrader/hidden.py" in names
    assert not any(n.startswith("toysolutions") for n in names)
    assert not any("removed_module" in n for n in names)
    assert not list(project.glob("*.egg-info"))
    assert build.build_wheel(project, tmp_path / "again", ("toysolutions",)).read_bytes() == \
        wheel.read_bytes()


def test_score_requirements():
    verify.require_full_marks({"q1": (3, 3)})
    verify.require_zero({"q1": (0, 3)})
    with pytest.raises(ReleaseError, match="full marks"):
        verify.require_full_marks({"q1": (2, 3)})
    with pytest.raises(ReleaseError, match="earns points"):
        verify.require_zero({"q1": (1, 3)})


def test_fit_requirement():
    usage = {"peak_cgroup_bytes": None, "peak_rss_bytes": 800 * 2**20, "wall_seconds": 10}
    with pytest.raises(ReleaseError, match="Gradescope"):
        verify.require_fit(usage, resources.MEMORY_LIMIT)
    verify.require_fit(usage, 3072 * 2**20)   # a larger container declared by the assignment
    verify.require_fit({**usage, "peak_rss_bytes": 300 * 2**20}, resources.MEMORY_LIMIT)


def test_assignments_declare_their_gradescope_container():
    assert resources.limits_of(load_assignment("optimization")) == {
        "memory_limit": 768 * 2**20, "cpus": 0.5}
    assert resources.limits_of(load_assignment("mnist")) == {
        "memory_limit": 3072 * 2**20, "cpus": 2.0}


def test_measure_reports_peak_memory_and_caps_it(tmp_path):
    grab = "import sys; b = bytearray(int(sys.argv[1]) * 2**20); b[::4096] = b'x' * len(b[::4096])"
    small = resources.measure([sys.executable, "-c", grab, "200"], cwd=tmp_path)
    assert small["exit_code"] == 0
    assert (small["peak_cgroup_bytes"] or small["peak_rss_bytes"]) > 150 * 2**20
    if small["memory_limit_bytes"] is None:
        pytest.skip("no memory cgroup can be made here: the cap is not enforced")
    big = resources.measure([sys.executable, "-c", grab, "1200"], cwd=tmp_path)
    assert big["exit_code"] != 0, "a process above 768 MB should be killed"


def _rezip(source: Path, target: Path, add: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        for name, data in add.items():
            out.writestr(name, data)


COPIED_SOLUTION = b'''
def unit(x):
    """Renamed, with other local names: the same function as the reference."""
    x = np.asarray(x, dtype=float)
    return x / np.sqrt(np.sum(x * x))
'''


@pytest.mark.slow
@pytest.mark.parametrize("where, kind", [
    ("wheel", "solution function"),       # a renamed copy, inside the wheel it installs
    ("zip", "solutions module"),          # the solutions package next to the wheel
])
def test_zip_leak_check_fails_on_a_planted_solution(toy_release, tmp_path, where, kind):
    dest, _ = toy_release
    zip_path = dest / "autograder/toy-autograder.zip"
    clean = leaks.scan_zip(TOY, zip_path)
    assert clean["leaks"] == [] and clean["solution_functions_checked"] == 1
    planted = tmp_path / "planted.zip"
    if where == "wheel":
        wheel = tmp_path / WHEEL
        _rezip(dest.parent / "wheels" / WHEEL, wheel, {"toygrader/helpers.py": COPIED_SOLUTION})
        with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(planted, "w") as out:
            for info in src.infolist():
                data = wheel.read_bytes() if info.filename.endswith(".whl") else src.read(info)
                out.writestr(info, data)
    else:
        _rezip(zip_path, planted, {"toysolutions/__init__.py": b"SECRET = 1\n"})
    found = leaks.scan_zip(TOY, planted)["leaks"]
    assert kind in {leak["kind"] for leak in found}, found
    with pytest.raises(ReleaseError, match="leak"):
        leaks.require_clean({"leaks": found}, tmp_path / "leak-report.json")


def test_canonical_form_ignores_names_not_structure():
    import ast

    def form(source):
        return leaks.canonical(ast.parse(source).body[0])
    base = form("def f(v):\n    '''doc'''\n    w = v * 2\n    return w + 1")
    assert form("def g(a):\n    b = a * 2\n    return b + 1") == base
    assert form("def g(a):\n    b = a * 3\n    return b + 1") != base
    assert form("def g(a):\n    b = a * 2\n    return np.sum(b)") != base
