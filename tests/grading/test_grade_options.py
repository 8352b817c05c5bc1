"""``advopt grade`` refuses what it cannot do well in one line naming the cause (exit 2, no
traceback), before anything is graded: a generated table of bad values for every option,
output folders it cannot write, another assignment's notebooks, another assignment's
output folder."""
import json
import os

import pytest

import downloads
import grading_notebooks as nbs
from autograder.grading.grade_command import MIN_MEMORY_MB, main

FIXTURE = "tests.support.grading_fixture"
NOT_NUMBERS = ["", " ", "abc", "1.5x", "nan", "inf", "-inf", "1e999", "0x10", "½"]


def bad_options(tmp_path):
    """(argument list, what the one line must say) for every option's bad values."""
    cases = []
    for option, minimum in (("--jobs", 1), ("--memory", MIN_MEMORY_MB)):
        for value in [*NOT_NUMBERS, "2.5", str(minimum - 1), "-1", "-99999999999999999999"]:
            cases.append(([f"{option}={value}"], f"{option}: "))
    for value in [*NOT_NUMBERS, "0", "-0.0", "-5", "1e-400"]:
        cases.append(([f"--timeout={value}"], "--timeout: "))
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    for value, says in (("", "--out: empty"), (str(a_file), "a file of that name exists"),
                        (str(a_file / "sub"), "cannot write there"),
                        ("/proc/advopt-graded", "cannot write there")):
        cases.append(([f"--out={value}"], says))
    for value, says in (("", "--assignment: empty"), ("nope", "unknown assignment 'nope'"),
                        ("autograder.nope", "unknown assignment"),
                        ("os.path", "assignment 'os.path' defines no CASES")):
        cases.append(([f"--assignment={value}"], says))
    for value, says in (("", "--manual: empty"), (str(tmp_path / "missing.csv"), "no such file"),
                        (str(tmp_path), "no such file")):
        cases.append(([f"--manual={value}"], says))
    cases += [(["--bogus"], "unrecognized arguments: --bogus"),
              (["--jobs"], "--jobs: expected one argument"),
              (["--gpu"], "has no GPU questions")]
    return cases


def test_every_bad_option_gives_one_line_naming_it(tmp_path, capsys):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(downloads.RIGHT)
    out = tmp_path / "out"
    failures = []
    for arguments, says in bad_options(tmp_path):
        base = [str(folder), f"--out={out}", "--quiet"]
        if not any(a.startswith("--assignment") for a in arguments):
            base.append(f"--assignment={FIXTURE}" if arguments != ["--gpu"] else
                        "--assignment=optimization")
        code = main(base + arguments)
        err = capsys.readouterr().err
        if code != 2 or says not in err or err.count("\n") != 1 or "Traceback" in err \
                or not err.startswith("advopt grade: "):
            failures.append((arguments, code, err))
    assert not failures, failures
    assert not (out / "results").exists()   # nothing was graded


@pytest.mark.parametrize("submissions, says", [
    ("", "no submissions folder given"),
    ("missing-folder", "missing-folder: no such folder"),
    ("notes.txt", "notes.txt: not a folder, nor a zip of one"),
    ("empty", "empty: no submissions found"),
    ("broken.zip", "broken.zip: not a folder, nor a zip of one"),
])
def test_a_bad_submissions_folder_gives_one_line(submissions, says, tmp_path, capsys,
                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 cut short")
    assert main([submissions, "--out", str(tmp_path / "o"), "--quiet",
                 f"--assignment={FIXTURE}"]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_gives_one_line(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "alice.ipynb").write_bytes(downloads.RIGHT)
    (tmp_path / "ro").mkdir(mode=0o555)
    for out in (tmp_path / "ro", tmp_path / "ro" / "graded"):
        assert main([str(tmp_path / "subs"), f"--out={out}", f"--assignment={FIXTURE}"]) == 2
        err = capsys.readouterr().err
        assert "cannot write there" in err and err.count("\n") == 1


def test_another_assignments_notebooks_are_refused_with_the_reason(tmp_path, capsys):
    folder, out = tmp_path / "subs", tmp_path / "graded"
    folder.mkdir()
    for name in ("ann", "bo", "cy"):
        (folder / f"{name}.ipynb").write_bytes(nbs.notebook(nbs.student_cells()))
    (folder / "dee.ipynb").write_bytes(downloads.RIGHT)   # one mnist-like notebook
    assert main([str(folder), f"--out={out}", "--assignment=mnist", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "these are not 'mnist' notebooks: 4 of 4 define fewer" in err
    assert "4 open optimization.ipynb" in err and "--assignment optimization" in err
    assert "--force-assignment" in err and list(out.iterdir()) == []
    # a fixture assignment has no repository folder to suggest; forcing grades them
    assert main([str(folder), f"--out={out}", f"--assignment={FIXTURE}", "--quiet"]) == 2
    assert "these are not 'fixture' notebooks: 3 of 4 define" in capsys.readouterr().err
    assert main([str(folder), f"--out={out}", f"--assignment={FIXTURE}", "--quiet",
                 "--force-assignment"]) == 0
    assert nbs.read_gradebook(out)["ann"]["total"] == "0"


def test_an_output_folder_of_another_assignment_is_refused(tmp_path, capsys):
    folder, out = tmp_path / "subs", tmp_path / "graded"
    folder.mkdir()
    (folder / "alice.ipynb").write_bytes(nbs.notebook(nbs.solution_cells()))
    (folder / "bob.ipynb").write_bytes(downloads.RIGHT)
    assert main([str(folder), f"--out={out}", f"--assignment={FIXTURE}", "--quiet",
                 "--force-assignment"]) == 0
    assert json.loads((out / "grading.json").read_text()) == {"assignment": "fixture"}
    capsys.readouterr()
    before = sorted(p.name for p in out.rglob("*"))
    assert main([str(folder), f"--out={out}", "--assignment=optimization", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{out} holds the grading of 'fixture': grading 'optimization' there" in err
    (out / "grading.json").unlink()           # an OUT from before grading.json existed
    assert main([str(folder), f"--out={out}", "--assignment=optimization", "--quiet"]) == 2
    assert "holds the grading of another assignment" in capsys.readouterr().err
    assert sorted(p.name for p in out.rglob("*")) == [n for n in before if n != "grading.json"]
    assert main([str(folder), f"--out={out}", f"--assignment={FIXTURE}", "--quiet",
                 "--force-assignment"]) == 0
