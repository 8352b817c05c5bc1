"""Sends SIGKILL to its own process, its process group and everything it can see
(`kill -9 -1`); its answers are honest."""
BASE = "solution"
LOSES = []
STATUS = "graded"
DESTRUCTIVE = True

# %%
import os
import signal

for pid in (os.getpid(), 0, -1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
