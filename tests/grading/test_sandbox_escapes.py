"""Attacks from inside a sandbox, in every mode the grader confines student code in
(support/sandbox_modes.py: root, container, user, user-container): every way to create a
socket, reach a namespace, the kernel's shared objects, another process, a sandbox graded
at the same time, or the TA's terminal is tried, and each must be refused."""
import contextlib
import errno
import fcntl
import os
import secrets
import shutil
import socket
import tempfile
from pathlib import Path

import numpy
import pytest

from autograder.grading.sandbox.process import SandboxLost, TimeBudget
from autograder.grading.sandbox.server import WORKDIR_PREFIX
from sandbox_modes import MODES, fork_server, grader_uid, plan, run_cell

SHARED = numpy.__file__   # a file every sandbox can read, as every library file

# Each attempt records "allowed" or the errno name it failed with.
ATTEMPTS = r'''
import ctypes, errno, fcntl, os, socket
libc = ctypes.CDLL(None, use_errno=True)
outcome = {}

def attempt(name, action):
    try:
        result = action()
        outcome[name] = "allowed" if result is None or result >= 0 else \
            errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
    except OSError as e:
        outcome[name] = errno.errorcode.get(e.errno, str(e.errno))

def call(nr, *args):
    return lambda: libc.syscall(nr, *[ctypes.c_long(a) if isinstance(a, int) else a
                                      for a in args])

buffer = ctypes.create_string_buffer(512)
for family in (2, 10, 16, 17, 38, 40, 44):   # inet, inet6, netlink, packet, alg, vsock, xdp
    attempt(f"socket {family}", lambda: socket.socket(family, socket.SOCK_DGRAM).close())
    attempt(f"socketpair {family}", call(53, family, 1, 0, buffer))
attempt("io_uring_setup", call(425, 8, buffer))
attempt("io_uring_enter", call(426, 0, 1, 0, 0, 0, 0))
attempt("io_uring_register", call(427, 0, 0, 0, 0))
for flag in (0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000,
             0x40000000, 0x80):
    attempt(f"unshare {flag:#x}", call(272, flag))
for flag in (0x20000, 0x10000000, 0x20000000, 0x40000000):  # a raw fork that must not happen
    pid = libc.syscall(ctypes.c_long(56), ctypes.c_long(flag | 17), ctypes.c_long(0),
                       ctypes.c_long(0), ctypes.c_long(0), ctypes.c_long(0))
    if pid == 0:
        os._exit(0)
    outcome[f"clone {flag:#x}"] = "allowed" if pid > 0 else \
        errno.errorcode[ctypes.get_errno()]
attempt("clone3", call(435, buffer, 88))
attempt("setns", call(308, 0, 0))
attempt("bpf", call(321, 0, buffer, 72))
attempt("userfaultfd", call(323, 0))
attempt("perf_event_open", call(298, buffer, 0, -1, -1, 0))
attempt("ptrace", call(101, 16, 1, 0, 0))                     # PTRACE_ATTACH to pid 1
attempt("process_vm_readv", call(310, 1, buffer, 1, buffer, 1, 0))
attempt("process_madvise", call(440, 0, buffer, 1, 0, 0))
attempt("pidfd_getfd", call(438, 0, 0, 0))
attempt("kcmp", call(312, 1, 1, 0, 0, 0))
attempt("keyctl", call(250, 0, -4, 0))                         # the user keyring's id
attempt("add_key", call(248, b"user", b"advopt", b"x", 1, -4))
attempt("request_key", call(249, b"user", b"advopt", None, -4))
attempt("mount", call(165, b"none", b"/tmp", b"tmpfs", 0, None))
attempt("umount2", call(166, b"/proc", 2))
attempt("pivot_root", call(155, b"/", b"/"))
attempt("fsopen", call(430, b"tmpfs", 0))
attempt("fspick", call(433, -100, b"/", 0))
attempt("open_tree", call(428, -100, b"/", 1))
attempt("move_mount", call(429, -1, b"", -100, b"/tmp", 4))
attempt("mount_setattr", call(442, -100, b"/", 0, buffer, 32))
attempt("shmget", call(29, 0, 4096, 0o1600))
attempt("semget", call(64, 0, 1, 0o1600))
attempt("msgget", call(68, 0, 0o1600))
attempt("mq_open", call(240, b"advopt", os.O_CREAT | os.O_RDWR, 0o600, None))
attempt("inotify_init1", call(294, 0))
attempt("fanotify_init", call(300, 0, 0))
attempt("name_to_handle_at", call(303, -100, b"/", buffer, buffer, 0))
attempt("open_by_handle_at", call(304, -100, buffer, 0))
shared = os.open(SHARED, os.O_RDONLY)
attempt("F_GETLK", call(72, shared, 5, buffer))
attempt("F_SETLEASE", call(72, shared, 1024, 0))
attempt("F_NOTIFY", call(72, shared, 1026, 1))
fcntl.flock(shared, fcntl.LOCK_SH | fcntl.LOCK_NB)   # succeeds and locks nothing
unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
attempt("abstract socket", lambda: unix.connect(ABSTRACT))
attempt("bind abstract", lambda: unix.bind(ABSTRACT + "-mine"))
attempt("listen", lambda: unix.listen())
datagram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for option in (16, 76):                        # SO_PASSCRED, SO_PASSPIDFD: autobind
    attempt(f"setsockopt {option}", lambda: datagram.setsockopt(socket.SOL_SOCKET, option, 1))
attempt("send", lambda: datagram.sendto(b"x", ABSTRACT) and None)
outcome.pop("send")                            # refused or not: it must bind no name
outcome["autobind"] = "allowed" if datagram.getsockname() else "unnamed"
attempt("signal the grader", lambda: os.kill(GRADER, 0))
attempt("grader's /proc", lambda: open(f"/proc/{GRADER}/environ", "rb").read())
for path in ("/dev/tty", "/dev/console", "/dev/ptmx", TERMINAL, "/dev/pts/ptmx"):
    for mode in (os.O_RDONLY, os.O_WRONLY):
        attempt(f"open {path} {mode}", lambda: os.close(os.open(path, mode | os.O_NOCTTY)))
attempt("create in /tmp", lambda: os.close(os.open("/tmp/advopt-planted",
                                                   os.O_CREAT | os.O_WRONLY, 0o644)))
own_session = os.getsid(0) == os.getpid()
'''


@pytest.fixture(scope="module")
def servers():
    """One fork server per mode, started on first use, for the tests of this module."""
    with contextlib.ExitStack() as stack:
        started: dict = {}

        def server(mode):
            if mode not in started:
                started[mode] = stack.enter_context(fork_server(mode))
            return started[mode]
        yield server


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


def test_every_escape_is_refused(mode, servers):
    terminal_fd, terminal = os.openpty()   # stands for the TA's terminal
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract = f"\0advopt-{secrets.token_hex(6)}"   # as a host service's socket
    listener.bind(abstract)
    listener.listen()
    try:
        path = os.ttyname(terminal)
        os.chown(path, grader_uid(mode), -1)
        server = servers(mode)
        code = (f"SHARED = {SHARED!r}\nABSTRACT = {abstract!r}\n"
                f"GRADER = {server.process.pid}\nTERMINAL = {path!r}\n" + ATTEMPTS)
        info, seen = run_cell(server, plan(mode), code, ["outcome", "own_session"])
        held = os.open(SHARED, os.O_RDONLY)   # what the student "locked" is free
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(held)
    finally:
        listener.close()
        os.close(terminal_fd)
        os.close(terminal)
    outcome = seen["outcome"]
    allowed = sorted(name for name, result in outcome.items() if result == "allowed")
    assert not allowed, f"{mode}: {allowed} ({info})"
    seccomp = [n for n in outcome if n.split()[0] in SECCOMP_REFUSED]
    assert {outcome[n] for n in seccomp} == {"EPERM"}, {n: outcome[n] for n in seccomp}
    assert outcome["clone3"] == "ENOSYS"
    assert seen["own_session"] and info["seccomp"].startswith("no sockets but AF_UNIX")
    assert info["landlock"].startswith("ABI"), info
    assert not os.path.exists("/tmp/advopt-planted")


SECCOMP_REFUSED = {
    "socket", "socketpair", "bind", "listen", "setsockopt", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "unshare", "clone", "setns", "bpf", "userfaultfd",
    "perf_event_open", "ptrace",
    "process_vm_readv", "process_madvise", "pidfd_getfd", "kcmp", "keyctl", "add_key",
    "request_key", "mount", "umount2", "pivot_root", "fsopen", "fspick", "open_tree",
    "move_mount", "mount_setattr", "shmget", "semget", "msgget", "mq_open", "inotify_init1",
    "fanotify_init", "name_to_handle_at", "open_by_handle_at", "F_GETLK", "F_SETLEASE",
    "F_NOTIFY"}


def test_the_student_process_has_no_terminal_and_cannot_reach_the_tas(mode, servers):
    """The TA's terminal (a pty owned by the grader's user, as the TA's is), /dev/tty,
    /dev/console and a new pty (/dev/ptmx) cannot be opened, and there is no controlling
    terminal (TIOCSTI and reads need none other)."""
    terminal_fd, terminal = os.openpty()
    try:
        path = os.ttyname(terminal)
        os.chown(path, grader_uid(mode), -1)
        code = (f"import os\nouts = {{}}\n"
                f"for path in ('/dev/tty', '/dev/console', '/dev/ptmx', {path!r}):\n"
                "    try:\n"
                "        os.close(os.open(path, os.O_RDWR))\n"
                "        outs[path] = 'opened'\n"
                "    except OSError as e:\n"
                "        outs[path] = e.errno\n"
                "tty = [os.isatty(fd) for fd in (0, 1, 2)]\n")
        _, seen = run_cell(servers(mode), plan(mode), code, ["outs", "tty"])
    finally:
        os.close(terminal_fd)
        os.close(terminal)
    assert "opened" not in seen["outs"].values(), seen["outs"]
    assert seen["outs"]["/dev/tty"] in (errno.ENXIO, errno.EACCES, errno.ENOENT)
    assert seen["tty"] == [False, False, False]


TWO_SANDBOXES = """
import os, fcntl, time
shared = os.open(SHARED, os.O_RDONLY)
try:
    fcntl.flock(shared, fcntl.LOCK_EX | fcntl.LOCK_NB)
    locked = True
except OSError:
    locked = False
seen_shm = sorted(os.listdir('/dev/shm')) if os.path.isdir('/dev/shm') else []
try:
    with open('/dev/shm/advopt-' + NAME, 'w') as f:
        f.write(NAME)
except OSError:
    pass
"""


def test_two_sandboxes_cannot_see_each_other(mode, servers):
    """Graded at the same time: the first holds a lock on a file both can read and leaves
    a file in /dev/shm; the second still gets the lock and sees nothing of the first."""
    server, planned = servers(mode), plan(mode)
    first = server.spawn(planned)
    try:
        with first.charged_to(TimeBudget(60)):
            code = f"SHARED = {SHARED!r}\nNAME = 'first'\n" + TWO_SANDBOXES
            assert first.execute([{"number": 1, "source": code}], {})["errors"] == []
            _, second = run_cell(server, planned, f"SHARED = {SHARED!r}\nNAME = 'second'\n"
                                 + TWO_SANDBOXES, ["locked", "seen_shm"])
            assert first.describe(["locked"])["locked"]
    finally:
        first.close()
    assert second["locked"], "the first sandbox's lock reached the second"
    assert "advopt-first" not in second["seen_shm"]
    assert not any(p.startswith("advopt-") for p in os.listdir("/dev/shm"))


def test_sandbox_folders_are_removed_after_a_run_a_crash_and_a_timeout(monkeypatch):
    """Without namespaces (Gradescope's container) each sandbox works in a folder of the
    temporary folder: none is left, however the student process ended, nor when the
    sandbox server itself is killed."""
    temporary = Path(tempfile.mkdtemp(prefix="advopt-test-tmp-", dir="/tmp"))
    temporary.chmod(0o711)  # as /tmp: student uids pass through to their folders
    monkeypatch.setenv("TMPDIR", str(temporary))
    try:
        with fork_server("container") as server:
            planned = plan("container")
            run_cell(server, planned, "open('mine.txt', 'w').write('x' * 1000)", [])
            for code, seconds in (("import os\nos.abort()", 30),
                                  ("import time\ntime.sleep(60)", 2)):
                student = server.spawn(planned)
                with pytest.raises(SandboxLost), student.charged_to(TimeBudget(seconds)):
                    student.execute([{"number": 1,
                                      "source": f"open('f', 'w').write('x')\n{code}"}], {})
                student.close()
            student = server.spawn(planned)
            with student.charged_to(TimeBudget(30)):
                student.execute([{"number": 1, "source": "open('f', 'w').write('x')"}], {})
            server.process.kill()  # the sandbox server dies with a live sandbox
            server.process.wait()
            student.close()
        left = [p.name for p in temporary.iterdir() if p.name.startswith(WORKDIR_PREFIX)]
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    assert left == []
