"""`make release`: one assignment or all, and never a master out of sync with the code."""
import subprocess
from pathlib import Path

import pytest

import solutions.optimization as reference
from autograder import notebooks
from autograder.release.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def lr_decay(lr0, epoch, decay_rate):
    """Inverse-time decay: lr0 / (1 + decay_rate * epoch)."""
    return lr0 / (1.0 + decay_rate * epoch) + 0.0  # changed without `sync`


@pytest.fixture
def changed_solution(monkeypatch):
    monkeypatch.setattr(reference, "lr_decay", lr_decay)
    assert notebooks.differences("optimization")


def test_release_refuses_a_master_out_of_sync_in_one_line(changed_solution, tmp_path, capsys):
    assert main(["optimization", "--dist", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("RELEASE REFUSED: ")
    assert "run `.venv/bin/python -m autograder.notebooks sync optimization`" in err
    assert not (tmp_path / "dist").exists()  # refused before anything is built


def test_check_says_to_run_sync(changed_solution, capsys):
    assert notebooks.main(["check", "optimization"]) == 1
    last = capsys.readouterr().out.strip().split("\n")[-1]
    assert last == notebooks.sync_hint("optimization") and "notebooks sync optimization" in last


def make_commands(*args: str) -> list[str]:
    """The commands `make -n` would run (nothing is run)."""
    done = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split("\n")


@pytest.mark.parametrize("args, released, fetches_mnist", [
    ((), "", True),
    (("ASSIGNMENT=optimization",), "optimization", False),
    (("ASSIGNMENT=mnist",), "mnist", True),
    (("ASSIGNMENT=optimization mnist",), "optimization mnist", True),
])
def test_make_release_releases_one_assignment_or_all(args, released, fetches_mnist):
    commands = make_commands("release", *args)
    assert commands[-1].rstrip() == f".venv/bin/python -m autograder.release {released}".rstrip()
    assert any("mnist/data.py fetch" in c for c in commands) == fetches_mnist
