"""`make data` (``python autograder/mnist/data.py fetch``): the real files downloaded from a
local mirror on 127.0.0.1 and verified, one clear message when no mirror answers, and the
tests' own MNIST lookup (they fail naming `make data`, and never download)."""
import gzip
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from functools import partial
from pathlib import Path

import pytest

from autograder.mnist import data

ROOT = Path(__file__).resolve().parents[2]
LOADER = ROOT / "autograder" / "mnist" / "data.py"   # run as a script, as students run it


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """Base URL of an HTTP server on 127.0.0.1 serving the four real ``<name>.gz`` files
    (those of the folder the tests read MNIST from)."""
    found, served = data.locate(), tmp_path_factory.mktemp("mirror")
    for name in data.FILES:
        source = data._find(found, name)
        if source.suffix == ".gz":
            shutil.copy(source, served / source.name)
        else:
            (served / f"{name}.gz").write_bytes(gzip.compress(source.read_bytes(), 1))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(QuietHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", served
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(home, mirrors, *args, mnist_dir=None):
    """Run the fetch command as `make data` does, with HOME (hence the cache) at ``home``."""
    env = {k: v for k, v in os.environ.items() if k != data.ENV_VAR}
    env.update(HOME=str(home), **{data.MIRRORS_ENV_VAR: mirrors})
    if mnist_dir is not None:
        env[data.ENV_VAR] = str(mnist_dir)
    return subprocess.run([sys.executable, str(LOADER), "fetch", *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_fetch_downloads_into_the_cache_once_and_verifies(mirror, tmp_path):
    url, served = mirror
    dead = f"http://127.0.0.1:{closed_port()}"
    proc = fetch(tmp_path, f"{dead}, {url}")  # the first mirror is down: the next one serves
    cache = tmp_path / ".cache" / "advopt" / "mnist"
    assert proc.returncode == 0, proc.stderr
    assert str(cache) in proc.stdout and "checksums verified" in proc.stdout
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{n}.gz" for n in data.FILES)
    for name, md5 in data.FILES.items():
        kept = (cache / f"{name}.gz").read_bytes()
        assert kept == (served / f"{name}.gz").read_bytes()
        assert hashlib.md5(gzip.decompress(kept)).hexdigest() == md5
    again = fetch(tmp_path, dead)  # already there: nothing to download
    assert again.returncode == 0 and str(cache) in again.stdout, again.stderr


def test_fetch_into_a_folder_reports_a_corrupt_file(mirror, tmp_path):
    url, _ = mirror
    target = tmp_path / "mnist"
    target.mkdir()
    (target / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\0\0\x08\x01corrupt"))
    proc = fetch(tmp_path, url, "--dir", str(target))
    assert proc.returncode == 1 and "t10k-labels-idx1-ubyte" in proc.stderr
    (target / "t10k-labels-idx1-ubyte.gz").unlink()
    proc = fetch(tmp_path, url, "--dir", str(target))
    assert proc.returncode == 0 and str(target) in proc.stdout, proc.stderr


def test_no_mirror_answering_gives_one_clear_message(tmp_path):
    proc = fetch(tmp_path, f"http://127.0.0.1:{closed_port()}/")
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    message = lines[0]
    assert message.startswith("MNIST: could not download train-images-idx3-ubyte.gz")
    assert "Connection refused" in message and "Connect to the internet" in message
    assert f"set ${data.ENV_VAR}" in message and all(name in message for name in data.FILES)
    cache = tmp_path / ".cache" / "advopt" / "mnist"
    assert list(cache.iterdir()) == [], "nothing half-downloaded is kept"


def test_a_folder_named_by_the_variable_is_verified_not_downloaded_into(mirror, tmp_path):
    url, _ = mirror
    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    proc = fetch(tmp_path, url, mnist_dir=incomplete)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert f"(${data.ENV_VAR}): missing train-images-idx3-ubyte" in proc.stderr
    assert list(incomplete.iterdir()) == []


def test_mirror_variable_replaces_the_list(monkeypatch):
    monkeypatch.setenv(data.MIRRORS_ENV_VAR, " http://a/x, http://b/ ,,")
    assert data.mirrors() == ("http://a/x/", "http://b/")
    monkeypatch.setenv(data.MIRRORS_ENV_VAR, "")
    assert data.mirrors() == data.MIRRORS


def test_tests_without_mnist_fail_naming_make_data_and_never_download(mirror, tmp_path):
    """conftest in a checkout with no MNIST anywhere: a test reading MNIST fails with the
    one-line hint, even when the loader could download (a live mirror)."""
    url, _ = mirror
    tests = tmp_path / "clone" / "repo" / "tests"   # no ../shared beside "repo"
    tests.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "conftest.py", tests)
    (tests / "test_reads.py").write_text(textwrap.dedent("""
        from autograder.mnist.data import load_mnist

        def test_reads():
            load_mnist()
    """))
    env = {k: v for k, v in os.environ.items() if k != data.ENV_VAR}
    env.update(HOME=str(tmp_path), **{data.MIRRORS_ENV_VAR: url})
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tests)], cwd=tests.parent, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "1 failed" in proc.stdout, proc.stdout + proc.stderr
    assert "MNIST not found" in proc.stdout and "run `make data` first" in proc.stdout
    assert "Traceback" not in proc.stdout
    assert not (tmp_path / ".cache" / "advopt").exists(), "the test downloaded MNIST"
