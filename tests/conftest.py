"""Shared pytest setup: make tests/ importable (mutants, harness modules); MNIST where
``make data`` put it.

MNIST is read from ``$ADVOPT_MNIST_DIR`` when set, else the shared copy beside the
repository (CI), else the cache ``~/.cache/advopt/mnist``. The folder found (or, when
there is none, the cache) is pinned in ``$ADVOPT_MNIST_DIR`` for every test and every
process a test starts, so that tests never download. Without MNIST the tests that need it
fail with one line saying to run ``make data``.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest
from filelock import FileLock

from autograder.mnist import data as mnist_data

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
MNIST_MISSING = ("MNIST not found (in $ADVOPT_MNIST_DIR, ../shared/data/mnist or "
                 "~/.cache/advopt/mnist): run `make data` first")


def _mnist_folder() -> Path | None:
    """The folder ``make data`` filled, in the loader's order, or None."""
    candidates = ([os.environ[mnist_data.ENV_VAR]] if os.environ.get(mnist_data.ENV_VAR)
                  else [SHARED_MNIST, mnist_data.CACHE_DIR])
    for folder in candidates:
        try:
            return mnist_data.locate(folder)
        except mnist_data.MnistError:
            continue
    return None


MNIST_DIR = _mnist_folder()
os.environ[mnist_data.ENV_VAR] = str(MNIST_DIR or mnist_data.CACHE_DIR)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Without MNIST, a test that reads it fails with MNIST_MISSING, not a traceback."""
    outcome = yield
    if MNIST_DIR is None and call.excinfo is not None \
            and call.excinfo.errisinstance(mnist_data.MnistError):
        outcome.get_result().longrepr = MNIST_MISSING


@pytest.fixture(scope="session")
def released(tmp_path_factory, worker_id):
    """``make release`` output (dist/ layout) for the optimization assignment, built once
    per test run and shared by the xdist workers."""
    return _release("optimization", tmp_path_factory, worker_id)


@pytest.fixture(scope="session")
def released_mnist(tmp_path_factory, worker_id):
    """The same for the mnist assignment (its release grades the benchmark on MNIST)."""
    if MNIST_DIR is None:
        pytest.fail(MNIST_MISSING, pytrace=False)
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
