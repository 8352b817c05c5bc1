"""Shared pytest setup: make tests/ importable (mutants, harness modules)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest
from filelock import FileLock


@pytest.fixture(scope="session")
def released(tmp_path_factory, worker_id):
    """``make release`` output (dist/ layout) for the optimization assignment, built once
    per test run and shared by the xdist workers."""
    from autograder.release.__main__ import main

    run_dir = tmp_path_factory.getbasetemp()
    shared = (run_dir if worker_id == "master" else run_dir.parent) / "release"
    with FileLock(str(shared) + ".lock"):
        if not (shared / "ok").exists():
            assert main(["optimization", "--dist", str(shared)]) == 0, "make release failed"
            (shared / "ok").touch()
    return shared / "optimization"
