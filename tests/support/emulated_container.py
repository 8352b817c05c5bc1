"""A command run as in a container of its own, on a machine others use (root only).

``command(keep, argv)`` is ``argv`` inside a private mount namespace in which every
top-level folder outside the system ones (``isolation.SYSTEM_DIRS``) is a fresh empty
tmpfs holding bind mounts of the ``keep`` folders only (the Python installation, the
test's own folder). What the command changes about those top-level folders (their modes:
``isolation.protect`` with ``unlist``) stays in that namespace; what it writes to ``keep``
is real. Nothing else of the machine (other checkouts, home folders) is there to see.

    python emulated_container.py KEEP_JSON ARGV...      (as unshare's child)
"""
from __future__ import annotations

import ctypes
import json
import os
import sys

MS_BIND, MS_REC = 4096, 16384


def command(keep: list, argv: list) -> list[str]:
    """The argv that runs ``argv`` as in a container keeping only ``keep``."""
    return ["unshare", "--mount", "--propagation", "private", sys.executable, __file__,
            json.dumps(sorted({os.path.realpath(k) for k in keep})), *map(str, argv)]


def _mount(libc, source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else str(s).encode()  # noqa: E731
    if libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)):
        raise OSError(ctypes.get_errno(), f"mount {target}: {os.strerror(ctypes.get_errno())}")


def main(keep: list[str], argv: list[str]) -> None:
    from autograder.grading.sandbox.isolation import SYSTEM_DIRS

    libc = ctypes.CDLL(None, use_errno=True)
    outermost = [k for k in keep if not any(k != o and k.startswith(o + "/") for o in keep)]
    held = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in outermost}
    tops = [f"/{n}" for n in os.listdir("/") if n not in SYSTEM_DIRS
            and os.path.isdir(f"/{n}") and not os.path.islink(f"/{n}")]
    for top in tops:
        _mount(libc, "tmpfs", top, "tmpfs", 0, "mode=755")
    for path, fd in held.items():
        if any(path == t or path.startswith(t + "/") for t in tops):
            os.makedirs(path, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), sys.argv[2:])
