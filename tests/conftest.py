"""Shared pytest setup: make tests/ importable (mutants, harness modules); MNIST from the
shared copy beside the repository unless $ADVOPT_MNIST_DIR names another (tests never
download)."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
if SHARED_MNIST.is_dir():
    os.environ.setdefault("ADVOPT_MNIST_DIR", str(SHARED_MNIST))

import pytest
from filelock import FileLock


@pytest.fixture(scope="session")
def released(tmp_path_factory, worker_id):
    """``make release`` output (dist/ layout) for the optimization assignment, built once
    per test run and shared by the xdist workers."""
    return _release("optimization", tmp_path_factory, worker_id)


@pytest.fixture(scope="session")
def released_mnist(tmp_path_factory, worker_id):
    """The same for the mnist assignment."""
    return _release("mnist", tmp_path_factory, worker_id)


def _release(assignment, tmp_path_factory, worker_id):
    from autograder.release.__main__ import main

    run_dir = tmp_path_factory.getbasetemp()
    shared = (run_dir if worker_id == "master" else run_dir.parent) / f"release-{assignment}"
    with FileLock(str(shared) + ".lock"):
        if not (shared / "ok").exists():
            assert main([assignment, "--dist", str(shared)]) == 0, "make release failed"
            (shared / "ok").touch()
    return shared / assignment
