"""Shared pytest setup: tests/ (the corpora: mutants, adversarial) and tests/support/ (the
shared helpers) importable; the ``gpu`` marker skipped without CUDA; MNIST where ``make
data`` put it; the fixtures several test folders use (a release, a fork server); Hypothesis
derandomized (the same examples on every run).

MNIST is read from ``$ADVOPT_MNIST_DIR`` when set, else the shared copy beside the
repository (CI), else the cache ``~/.cache/advopt/mnist``. The folder found (or, when
there is none, the cache) is pinned in ``$ADVOPT_MNIST_DIR`` for every test and every
process a test starts, so that tests never download. Without MNIST the tests that need it
fail with one line saying to run ``make data``.
"""
import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path[:0] = [str(TESTS), str(TESTS / "support")]

import pytest
from filelock import FileLock
from hypothesis import settings

import autograder.drawn  # noqa: F401  (Hypothesis draws independent of the modules imported)
from autograder.mnist import data as mnist_data

# Property tests draw the same examples on every run, whatever ran before them in the worker:
# a test passes or fails for its code, never for its luck (grading's own drawn checks carry
# their fixed seeds, autograder/drawn.py).
settings.register_profile("reproducible", derandomize=True, database=None, deadline=None)
settings.load_profile("reproducible")

SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
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


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` are skipped, in one place, where torch sees no CUDA device."""
    gpu = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu:
        return
    import torch

    if not torch.cuda.is_available():
        for item in gpu:
            item.add_marker(pytest.mark.skip(reason="no CUDA device"))


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


@pytest.fixture(scope="module")
def server():
    """The grader's fork server (started once per process, as ``make grade`` does)."""
    from autograder.grading.batch import fork_server

    return fork_server()


@pytest.fixture
def run(server, tmp_path):
    """run(code, *names) -> (namespace of proxies, process): code runs as one cell, then
    calls may take ``deadline`` seconds of student time in all."""
    import contextlib

    from autograder.grading.runner import Limits
    from autograder.grading.sandbox import isolation
    from autograder.grading.sandbox.process import TimeBudget

    processes, budgets = [], contextlib.ExitStack()
    uid = 1_900_000_000 if os.geteuid() == 0 else None
    plan = isolation.make_plan([ROOT, tmp_path], Limits(timeout=20, memory_mb=512), uid)

    def run(code, *names, deadline=20):
        process = server.spawn(plan)
        processes.append(process)
        budgets.enter_context(process.charged_to(TimeBudget(deadline)))
        executed = process.execute([{"number": 1, "source": code}], {})
        assert executed["errors"] == [], executed["errors"]
        return process.describe(names), process
    yield run
    budgets.close()
    for process in processes:
        process.close()
