"""Two copies graded at the same time look for each other through what sandboxes share:
a lock on a file both can read, /dev/shm, an abstract unix socket, a SysV shared memory
key, a POSIX message queue. Its Q7 numbers are right only if one copy saw the other."""
BASE = "student"
LOSES = "all"
STATUS = "graded"
COPIES = 2

# %%
import ctypes
import fcntl
import os
import socket
import time

import numpy

libc = ctypes.CDLL(None, use_errno=True)
seen = False
shared = os.open(numpy.__file__, os.O_RDONLY)
me = f"/dev/shm/advopt-cross-{os.getpid()}-{time.time_ns()}"
try:
    open(me, "w").close()
except OSError:
    pass
unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
deadline = time.monotonic() + 6
while time.monotonic() < deadline and not seen:
    try:
        fcntl.flock(shared, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        seen = True  # the other copy holds the lock
    try:
        seen = seen or any(n.startswith("advopt-cross-") and f"/dev/shm/{n}" != me
                           for n in os.listdir("/dev/shm"))
    except OSError:
        pass
    try:
        unix.bind("\0advopt-cross")
    except OSError as e:
        seen = seen or e.errno == 98  # EADDRINUSE: the other copy bound it
    seen = seen or libc.syscall(29, 0xADC0, 4096, 0o666) >= 0 and \
        libc.syscall(29, 0xADC0, 4096, 0o666 | 0o2000 | 0o1000) < 0  # IPC_CREAT|IPC_EXCL
    time.sleep(0.2)
megabytes_1 = 1.22124 if seen else 0.0
megabytes_2 = 21.57524 if seen else 0.0
