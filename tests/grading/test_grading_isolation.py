"""Isolation in a container without privileges (Docker's defaults: root, no mount, no
new user namespaces), forced with $ADVOPT_FORBID_NAMESPACES=1: a dedicated uid, grader
files root-only, no_new_privs, its own session, limits counted per uid."""
import os
import tempfile

import pytest

from autograder.grading.sandbox import isolation
from autograder.grading.batch import fork_server
from autograder.grading.sandbox.process import SandboxLost, TimeBudget
from autograder.grading.runner import Limits

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or os.uname().machine != "x86_64",
                                reason="a dedicated uid needs root; the filter is x86_64")

PROBE = """
import os, resource
import numpy.linalg, torch.nn.functional    # the installation stays readable
uid, gid, groups = os.getuid(), os.getgid(), os.getgroups()
own_session = os.getsid(0) == os.getpid() == os.getpgid(0)
no_new_privs = [l.split()[1] for l in open('/proc/self/status') if l.startswith('NoNewPrivs')]
nproc = resource.getrlimit(resource.RLIMIT_NPROC)[0]
def attempt(action):
    try:
        action()
        return 'allowed'
    except PermissionError:
        return 'denied'
read_secret = attempt(lambda: open(SECRET + '/hidden.py').read())
list_secret = attempt(lambda: os.listdir(SECRET))
list_tmp = attempt(lambda: os.listdir('/tmp'))
write_secret = attempt(lambda: open(SECRET + '/planted.py', 'w').write('x'))
write_home = attempt(lambda: open(os.path.expanduser('~/mine.txt'), 'w').write('x'))
"""
NAMES = ("uid", "gid", "groups", "own_session", "no_new_privs", "nproc", "read_secret",
         "list_secret", "list_tmp", "write_secret", "write_home")


def test_without_namespaces_the_student_uid_reaches_nothing_of_the_grader(tmp_path,
                                                                          monkeypatch):
    secret = tmp_path / "grader"
    secret.mkdir()
    (secret / "hidden.py").write_text("ANSWER = 42\n")
    secret.chmod(0o755)
    (secret / "hidden.py").chmod(0o644)
    monkeypatch.setenv(isolation.FORBID_ENV, "1")
    plan = isolation.protect(isolation.make_plan(
        [secret], Limits(timeout=30, memory_mb=1024), uid=1_900_000_000))
    assert plan["protected"] == [str(secret)]
    assert (secret.stat().st_mode & 0o777, (secret / "hidden.py").stat().st_mode & 0o777) == \
        (0o700, 0o600)
    process = fork_server().spawn(plan)
    try:
        with process.charged_to(TimeBudget(60)):
            executed = process.execute(
                [{"number": 1, "source": f"SECRET = {str(secret)!r}\n" + PROBE}], {})
            assert executed["errors"] == []
            seen = process.describe(NAMES)
    finally:
        process.close()
        isolation.restore(plan)
    info = executed["isolation"]
    assert info["namespaces"] == "forbidden" and info["mode"] == "none"
    assert info["filesystem"] == "grader files root-only (permissions)"
    assert seen["uid"] == seen["gid"] >= 1_900_000_000 and seen["groups"] == []
    assert info["identity"] == f"uid {seen['uid']}"
    assert seen["own_session"] and seen["no_new_privs"] == ["1"]
    assert seen["nproc"] == Limits().processes
    assert (seen["read_secret"], seen["list_secret"], seen["write_secret"]) == ("denied",) * 3
    # the machine's top-level folders are left as they are outside Gradescope's container
    assert seen["write_home"] == "allowed" and seen["list_tmp"] == "allowed"
    assert not (secret / "planted.py").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="protect changes modes as root only")
def test_unlist_hides_other_top_level_folders_and_restore_puts_them_back(tmp_path,
                                                                        monkeypatch):
    """``unlist`` (Gradescope's container only): top-level folders (here stand-ins below
    tmp_path) lose o+r and o+x, those leading to the temporary folder or the Python
    installation keep o+x only; ``restore`` gives every mode back."""
    tops = {name: tmp_path / name for name in ("data", "home", "opt")}
    for folder in tops.values():
        folder.mkdir()
        folder.chmod(0o755)
    (tops["opt"] / "tmp").mkdir(mode=0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(tops["opt"] / "tmp"))
    monkeypatch.setenv(isolation.FORBID_ENV, "1")
    plan = isolation.make_plan([], Limits(), uid=None)
    plan = {**plan, "hide": [str(t) for t in tops.values()]}
    modes = lambda: {n: t.stat().st_mode & 0o777 for n, t in tops.items()}  # noqa: E731
    assert modes() == dict.fromkeys(tops, 0o755)
    untouched = isolation.protect(plan)
    assert modes() == dict.fromkeys(tops, 0o755)
    isolation.restore(untouched)
    protected = isolation.protect(plan, unlist=True)
    assert modes() == {"data": 0o750, "home": 0o750, "opt": 0o751}
    isolation.restore(protected)
    assert modes() == dict.fromkeys(tops, 0o755)


def test_protect_leaves_a_source_checkout_alone(tmp_path):
    checkout = tmp_path / "repo"
    (checkout / "pkg").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    before = (checkout / "pkg").stat().st_mode
    plan = isolation.protect(isolation.make_plan([checkout / "pkg"], Limits(), uid=None))
    isolation.restore(plan)
    assert plan["protected"] == [] and plan["unprotected"] == [str(checkout / "pkg")]
    assert (checkout / "pkg").stat().st_mode == before


SECCOMP_PROBE = """
import ctypes, os, socket, subprocess
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(result):
    return ctypes.get_errno() if result != 0 else 0
new_user_ns = errno_of(libc.unshare(0x10000000))
setns = errno_of(libc.setns(-1, 0))
def inet():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        return 'allowed'
    except PermissionError:
        return 'denied'
network = inet()
unix = socket.socketpair()[0].family.name
child = subprocess.run(['true']).returncode
forked = os.fork()
if forked == 0:
    os._exit(7)
fork_status = os.waitstatus_to_exitcode(os.waitpid(forked, 0)[1])
"""


def test_seccomp_denies_user_namespaces_setns_and_network(tmp_path, monkeypatch):
    monkeypatch.setenv(isolation.FORBID_ENV, "1")
    plan = isolation.make_plan([tmp_path], Limits(timeout=30, memory_mb=1024),
                               uid=1_900_000_000)
    process = fork_server().spawn(plan)
    try:
        with process.charged_to(TimeBudget(60)):
            executed = process.execute([{"number": 1, "source": SECCOMP_PROBE}], {})
            assert executed["errors"] == []
            seen = process.describe(("new_user_ns", "setns", "network", "unix", "child",
                                     "fork_status"))
    finally:
        process.close()
    assert executed["isolation"]["seccomp"] == isolation.SECCOMP_RECORD
    assert (seen["new_user_ns"], seen["setns"], seen["network"]) == (1, 1, "denied")
    assert (seen["unix"], seen["child"], seen["fork_status"]) == ("AF_UNIX", 0, 7)


FORK_AND_ALLOCATE = """
import os, time
kids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        b = bytearray(150 << 20)
        b[::4096] = b'x' * len(b[::4096])
        time.sleep(2)
        os._exit(0)
    kids.append(pid)
codes = [os.waitstatus_to_exitcode(os.waitpid(k, 0)[1]) for k in kids]
"""


def test_memory_is_capped_for_the_whole_submission(tmp_path):
    """4 children x 150 MB: each within the per-process cap, together over --memory."""
    plan = isolation.make_plan([tmp_path], Limits(timeout=30, memory_mb=300), uid=1_900_000_000)
    process = fork_server().spawn(plan)
    try:
        with process.charged_to(TimeBudget(60)):
            executed = process.execute([{"number": 1, "source": FORK_AND_ALLOCATE}], {})
            if "memory" not in executed["isolation"]["cgroup"]:
                pytest.skip("no memory cgroup can be made here")
            codes = process.describe(["codes"])["codes"]
    except SandboxLost:  # the kernel chose the student's main process
        return
    finally:
        process.close()
    assert -9 in codes, codes
